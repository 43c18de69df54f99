"""The demo's payouts: which orders' last tender the sandbox gateways fail
once or decline, so that finance has retries and reroutes to look at, and
paying what an approval created, retries included."""

from datetime import datetime, timedelta

from payouts.models import Payout
from payouts.states import PayoutStatus
from refundportal import clock
from refunds.services import payout_attempt, payout_sweep

FAIL_ONCE_SHARE = 0.015
DECLINE_SHARE = 0.003
SILVER = 0.4142135623730951


def steering(index: int) -> str:
    """The sandbox gateways' steering word for an order's last tender, so
    that payout demos show retries and declines. Spread like the outcomes
    (another irrational step, so it does not follow them) to keep the
    shares steady in small runs."""
    point = (index * SILVER) % 1.0
    if point < DECLINE_SHARE:
        return "decline"
    if point < DECLINE_SHARE + FAIL_ONCE_SHARE:
        return "fail-once"
    return ""


def settle_payouts(refund_id: int, at: datetime) -> None:
    """Pay what the approval created, with the retries a fail-once account needs."""
    for payout_id in Payout.objects.filter(
        refund_id=refund_id, status=PayoutStatus.PENDING
    ).values_list("pk", flat=True):
        payout_attempt(payout_id=payout_id, as_of=at)
    for minutes in (2, 7):
        with clock.frozen_at(at + timedelta(minutes=minutes)) as later:
            if Payout.objects.filter(refund_id=refund_id, status=PayoutStatus.PENDING).exists():
                payout_sweep(later)
