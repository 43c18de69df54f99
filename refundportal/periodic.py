"""The periodic jobs: one registry that Celery beat (every minute) and
``manage.py tick`` both run, so production and the embedded default do the
same work. Each job takes the time it runs as, and must be idempotent: a
second run at the same time changes nothing."""

import logging
from collections.abc import Callable
from datetime import datetime

from . import clock

logger = logging.getLogger(__name__)

Job = Callable[[datetime], object]
_JOBS: dict[str, Job] = {}


def register(name: str) -> Callable[[Job], Job]:
    def decorator(job: Job) -> Job:
        _JOBS[name] = job
        return job

    return decorator


def jobs() -> dict[str, Job]:
    return dict(_JOBS)


def run_all(at: datetime | None = None) -> dict[str, object]:
    """Run every job once as if the clock read ``at``; one failing job does
    not stop the others."""
    results: dict[str, object] = {}
    with clock.frozen_at(at or clock.now()) as moment:
        for name, job in _JOBS.items():
            try:
                results[name] = job(moment)
            except Exception:
                logger.exception("periodic job %s failed", name)
                results[name] = "failed"
    return results
