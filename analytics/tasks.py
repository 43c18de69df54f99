"""Thin Celery tasks on the ``default`` queue; beat runs them (see
CELERY_BEAT_SCHEDULE), ``manage.py tick`` runs the same jobs in-process."""

from celery import shared_task

from refundportal import clock

from . import services


@shared_task(name="analytics.tasks.kpi_rollup_task", acks_late=True)
def kpi_rollup_task() -> dict[str, int]:
    return services.kpi_rollup(clock.now())


@shared_task(name="analytics.tasks.anomaly_check_task", acks_late=True)
def anomaly_check_task() -> dict[str, int]:
    return services.anomaly_check(clock.now())
