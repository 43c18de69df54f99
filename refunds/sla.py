"""The numbers behind the timers (SPEC 4 rule 2, SPEC 6), in one place: the
services that act on them and the pages that show them read them here."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from orders.states import OrderStatus

# The share of the review time after which an undecided request is
# escalated to a senior agent, and shows amber in the queue.
ESCALATE_AT_FRACTION = 0.8
ESCALATE_AT_PERCENT = 80


def claim_minutes() -> int:
    """How long an agent's claim on a request holds before another agent
    may take it over."""
    return int(getattr(settings, "REVIEW_CLAIM_MINUTES", 15))


def payout_due_hours() -> int:
    """How long an approved refund may stay unpaid before finance is alerted."""
    return int(getattr(settings, "PAYOUT_SLA_HOURS", 24))


def filing_closes_at(
    *,
    order_status: str,
    delivered_at: datetime | None,
    promised_at: datetime,
    window_hours: int,
) -> datetime:
    """When the filing window closes (rule R2): hours after delivery, or
    after the promised time when the order was never delivered."""
    delivered = order_status == OrderStatus.DELIVERED and delivered_at is not None
    anchor = delivered_at if delivered and delivered_at else promised_at
    return anchor + timedelta(hours=window_hours)


def customer_waited(refund: Any, now: datetime) -> timedelta:
    """How long a request has waited for its customer's answers in all
    (``customer_wait``), the running wait included: time the review clock
    stood still."""
    since = refund.awaiting_since
    running = max(now - since, timedelta(0)) if since else timedelta(0)
    return refund.customer_wait + running


def escalates_at(refund: Any) -> datetime:
    """When an undecided request is escalated: at 80 % of its review time,
    counted from its creation without the time it waited for its customer
    (the clock stood still then, and its due time moved on by as much)."""
    starts_at = refund.created_at + refund.customer_wait
    return starts_at + (refund.review_due_at - starts_at) * ESCALATE_AT_FRACTION
