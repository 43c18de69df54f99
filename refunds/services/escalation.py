"""The review and payout timers (SPEC 6), run by the periodic ``tick``:
escalate undecided requests, mark them breached, and alert finance about
approved refunds still unpaid."""

from datetime import datetime, timedelta

from django.db import transaction

from accounts import roles
from notifications.services import notify, notify_role

from .. import presenters, sla
from ..models import RefundRequest
from ..states import RefundStatus
from .notes import refund_note


def sla_sweep(at: datetime) -> dict[str, int]:
    """Escalate undecided requests at 80 % of the review time, mark them
    breached past due, and alert finance (and tell the customer) when an
    approved refund is still unpaid 24 h after approval. Flags make a second
    run at the same time change nothing."""
    escalated = breached = delayed = 0
    pending = RefundRequest.objects.filter(status=RefundStatus.PENDING_REVIEW)
    for refund in pending.filter(escalated=False).select_related("order"):
        if at >= sla.escalates_at(refund):
            with transaction.atomic():
                updated = RefundRequest.objects.filter(
                    pk=refund.pk, status=RefundStatus.PENDING_REVIEW, escalated=False
                ).update(escalated=True, escalated_at=at)
                if updated:
                    escalated += 1
                    refund_note(
                        refund=refund,
                        actor=None,
                        message=presenters.ESCALATED,
                        facts={"percent": sla.ESCALATE_AT_PERCENT},
                        at=at,
                    )
                    notify_role(
                        role=roles.SENIOR_AGENT,
                        event="refund_escalated",
                        facts={"request": presenters.request_facts(refund)},
                        link=f"/review/{refund.pk}/",
                    )
    breached = pending.filter(breached=False, review_due_at__lt=at).update(breached=True)

    hours = sla.payout_due_hours()
    late = RefundRequest.objects.filter(
        status__in=(RefundStatus.APPROVED, RefundStatus.PAYOUT_FAILED),
        payout_delay_alerted=False,
        decided_at__lt=at - timedelta(hours=hours),
    ).select_related("order", "customer")
    for unpaid in late:
        with transaction.atomic():
            if not RefundRequest.objects.filter(pk=unpaid.pk, payout_delay_alerted=False).update(
                payout_delay_alerted=True
            ):
                continue
            delayed += 1
            notify_role(
                role=roles.FINANCE,
                event="payout_delayed",
                facts={"request": presenters.request_facts(unpaid), "hours": hours},
                link=f"/finance/payouts/?refund={unpaid.pk}",
            )
            notify(
                user=unpaid.customer,
                event="refund_delayed",
                facts={"request": presenters.request_facts(unpaid)},
                link=f"/refunds/{unpaid.pk}/",
            )
    return {"escalated": escalated, "breached": breached, "payout_delayed": delayed}
