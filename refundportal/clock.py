"""The one source of the current time.

Everything that compares against "now" (SLA timers, the filing window, payout
back-off) asks :func:`now`, so that ``manage.py tick --at`` and the tests can
run the jobs as if the clock read another time.

:func:`frozen_at` sets the clock for the calling thread only (a ``tick --at``
run, a test calling services); :func:`frozen_everywhere` sets it for every
thread of the process, for tests whose server answers from another thread
(the browser tests' live server). The thread's own setting wins.
"""

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime

from django.utils import timezone

_state = threading.local()


class _Process:
    at: datetime | None = None


def now() -> datetime:
    frozen: datetime | None = getattr(_state, "at", None) or _Process.at
    return frozen if frozen is not None else timezone.now()


def _aware(at: datetime) -> datetime:
    return timezone.make_aware(at) if timezone.is_naive(at) else at


@contextlib.contextmanager
def frozen_at(at: datetime) -> Iterator[datetime]:
    """Run a block as if the clock read ``at`` (aware datetime), in this thread."""
    at = _aware(at)
    previous = getattr(_state, "at", None)
    _state.at = at
    try:
        yield at
    finally:
        _state.at = previous


@contextlib.contextmanager
def frozen_everywhere(at: datetime) -> Iterator[datetime]:
    """Run a block as if the clock read ``at`` in every thread of the process."""
    at = _aware(at)
    previous = _Process.at
    _Process.at = at
    try:
        yield at
    finally:
        _Process.at = previous
