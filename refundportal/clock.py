"""The one source of the current time.

Everything that compares against "now" (SLA timers, the filing window, payout
back-off) asks :func:`now`, so that ``manage.py tick --at`` and the tests can
run the jobs as if the clock read another time.
"""

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime

from django.utils import timezone

_state = threading.local()


def now() -> datetime:
    frozen: datetime | None = getattr(_state, "at", None)
    return frozen if frozen is not None else timezone.now()


@contextlib.contextmanager
def frozen_at(at: datetime) -> Iterator[datetime]:
    """Run a block as if the clock read ``at`` (aware datetime)."""
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    previous = getattr(_state, "at", None)
    _state.at = at
    try:
        yield at
    finally:
        _state.at = previous
