"""Thin Celery tasks that call a refund service. The payout tasks keep the
names they were first published under (``payouts.tasks.*``): routes, beat
entries and queued messages name them."""

from datetime import datetime
from typing import Any

from celery import shared_task
from django.utils.dateparse import parse_datetime

from refundportal import clock

from .services import conversation, escalation, merchant, paying, photos


@shared_task(name="refunds.tasks.sla_sweep_task", acks_late=True)
def sla_sweep_task() -> dict[str, int]:
    return escalation.sla_sweep(clock.now())


@shared_task(name="refunds.tasks.customer_reply_timeout_task", acks_late=True)
def customer_reply_timeout_task() -> dict[str, int]:
    return conversation.refund_customer_timeouts(clock.now())


@shared_task(name="refunds.tasks.merchant_answer_timeout_task", acks_late=True)
def merchant_answer_timeout_task() -> dict[str, int]:
    return merchant.refund_merchant_timeouts(clock.now())


@shared_task(name="refunds.tasks.evidence_purge_task", acks_late=True)
def evidence_purge_task() -> dict[str, int]:
    return photos.evidence_purge(clock.now())


@shared_task(name=paying.PAYOUT_ATTEMPT_TASK, acks_late=True)
def payout_attempt_task(payout_id: int, as_of: str | None = None) -> dict[str, Any]:
    at: datetime | None = parse_datetime(as_of) if as_of else None
    report = paying.payout_attempt(payout_id=payout_id, as_of=at)
    return {"payout": report.payout_id, "attempted": report.attempted, "outcome": report.outcome}


@shared_task(name="payouts.tasks.payout_sweep_task", acks_late=True)
def payout_sweep_task() -> dict[str, int]:
    return paying.payout_sweep(clock.now())
