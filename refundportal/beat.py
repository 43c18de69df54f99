"""Celery beat's scheduler: the database is the source of truth for a job
once it exists there.

django-celery-beat's ``DatabaseScheduler`` writes every entry of
``CELERY_BEAT_SCHEDULE`` over its row at each start, so an interval changed
or a job disabled in the admin came back at the next deploy. Here the
settings only seed the jobs that are missing (by name); a row that exists
keeps its schedule and its enabled flag.
"""

from typing import Any

from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler


class Scheduler(DatabaseScheduler):
    def update_from_dict(self, mapping: dict[str, Any]) -> None:
        existing = set(
            PeriodicTask.objects.filter(name__in=list(mapping)).values_list("name", flat=True)
        )
        missing = {name: entry for name, entry in mapping.items() if name not in existing}
        super().update_from_dict(missing)
