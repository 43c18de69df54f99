"""A thin Celery task on the ``default`` queue; beat runs it (see
CELERY_BEAT_SCHEDULE), ``manage.py tick`` runs the same job in-process."""

from celery import shared_task

from refundportal import clock

from .tokens import tokens_purge


@shared_task(name="accounts.tasks.token_purge_task", acks_late=True)
def token_purge_task() -> int:
    return tokens_purge(clock.now())
