"""Thin Celery tasks; they run on the ``payouts`` queue (see task_routes)."""

from datetime import datetime
from typing import Any

from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import services


@shared_task(name="payouts.tasks.payout_attempt_task", acks_late=True)
def payout_attempt_task(payout_id: int, as_of: str | None = None) -> dict[str, Any]:
    at: datetime | None = parse_datetime(as_of) if as_of else None
    report = services.payout_attempt(payout_id=payout_id, as_of=at)
    return {"payout": report.payout_id, "attempted": report.attempted, "outcome": report.outcome}


@shared_task(name="payouts.tasks.payout_sweep_task", acks_late=True)
def payout_sweep_task() -> dict[str, int]:
    from refundportal import clock

    return services.payout_sweep(clock.now())
