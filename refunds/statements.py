"""Who pays, as a merchant reads it (SPEC 12): the month's statement of the
refunds charged to its merchants, the disputes of those charges, and the
CSV a merchant downloads. Reads only; the database sums.

A charge is the approved amount of a granted request (approved, refunded,
payout failed) that the merchant bears, counted in the month it was
decided. A dispute may be opened within ``DISPUTE_DAYS`` of that decision."""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from orders.selectors import merchant_ids_of
from refundportal.money import ZERO, to_money
from refundportal.months import Month
from refundportal.spreadsheets import row as text_row

from .models import Dispute, DisputeResolution, Liability, RefundRequest
from .states import GRANTED

DISPUTE_DAYS = 7

# Where a charge's dispute stands.
NOT_DISPUTED = "none"
DISPUTE_OPEN = "open"
DISPUTE_STATES = (NOT_DISPUTED, DISPUTE_OPEN, *DisputeResolution.values)
DISPUTE_STATE_LABELS = {
    NOT_DISPUTED: gettext_lazy("Not disputed"),
    DISPUTE_OPEN: gettext_lazy("Disputed, awaiting a senior agent"),
    DisputeResolution.CONFIRMED: gettext_lazy("Dispute confirmed: the charge stands"),
    DisputeResolution.MOVED: gettext_lazy("Dispute accepted: moved off your statement"),
}


def dispute_closes_at(refund: RefundRequest) -> datetime | None:
    """Until when the merchant may dispute the charge."""
    if refund.decided_at is None:
        return None
    return refund.decided_at + timedelta(days=DISPUTE_DAYS)


def dispute_of(refund: RefundRequest) -> Dispute | None:
    """The request's dispute, read from what was joined (``select_related``)."""
    try:
        return refund.dispute
    except Dispute.DoesNotExist:
        return None


def dispute_state(refund: RefundRequest) -> str:
    dispute = dispute_of(refund)
    if dispute is None:
        return NOT_DISPUTED
    return dispute.resolution or DISPUTE_OPEN


def can_dispute(refund: RefundRequest, now: datetime) -> bool:
    """A charge the merchant bears, not disputed yet, within the window."""
    closes = dispute_closes_at(refund)
    return (
        refund.status in GRANTED
        and refund.liability == Liability.MERCHANT
        and closes is not None
        and now <= closes
        and dispute_of(refund) is None
    )


def _of_merchants(merchant_ids: Iterable[int], month: Month) -> QuerySet[RefundRequest]:
    return RefundRequest.objects.filter(
        order__merchant_id__in=list(merchant_ids),
        status__in=GRANTED,
        decided_at__gte=month.start,
        decided_at__lt=month.end,
    )


def charges(merchant_ids: Iterable[int], month: Month) -> QuerySet[RefundRequest]:
    """The month's charges of these merchants, the earliest decided first."""
    return (
        _of_merchants(merchant_ids, month)
        .filter(liability=Liability.MERCHANT)
        .select_related("order__merchant", "dispute")
        .order_by("decided_at", "id")
    )


@dataclass(frozen=True)
class Statement:
    month: Month
    rows: list[RefundRequest]
    total: Decimal
    count: int
    # Requests of the month whose charge a dispute moved to someone else:
    # not charged, shown with the senior agent's note.
    moved: list[RefundRequest]


def merchant_statement(user: Any, month: Month) -> Statement:
    """The statement of ``user``'s merchants for ``month``: its rows, and
    their count and total summed by the database (three queries)."""
    merchant_ids = merchant_ids_of(user)
    charged = charges(merchant_ids, month)
    totals = charged.order_by().aggregate(total=Sum("approved_amount"), count=Count("pk"))
    moved = (
        _of_merchants(merchant_ids, month)
        .filter(dispute__resolution=DisputeResolution.MOVED)
        .select_related("order__merchant", "dispute")
        .order_by("decided_at", "id")
    )
    return Statement(
        month=month,
        rows=list(charged),
        total=to_money(totals["total"] or ZERO),
        count=totals["count"],
        moved=list(moved),
    )


def open_disputes(*, open_only: bool | None = None) -> QuerySet[Dispute]:
    """Disputes for senior agents: the open ones first, the oldest first.
    ``open_only`` True lists the open ones, False the resolved ones."""
    qs = Dispute.objects.select_related(
        "request__order__merchant", "merchant_user", "resolved_by"
    ).order_by(F("resolved_at").desc(nulls_first=True), "created_at", "id")
    if open_only is True:
        qs = qs.filter(resolved_at__isnull=True)
    elif open_only is False:
        qs = qs.filter(resolved_at__isnull=False)
    return qs


CSV_HEADER = (
    "request",
    "order",
    "merchant",
    "reason",
    "decided_at",
    "decision_source",
    "amount",
    "dispute",
)


def statement_csv(statement: Statement) -> bytes:
    """The statement as CSV, UTF-8 with BOM (spreadsheet programs then read
    the Chinese), one row per charge and a total line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for refund in statement.rows:
        writer.writerow(
            text_row(
                [
                    refund.pk,
                    refund.order.number,
                    refund.order.merchant.code,
                    refund.reason,
                    timezone.localtime(refund.decided_at).isoformat(timespec="seconds")
                    if refund.decided_at
                    else "",
                    refund.decision_source,
                    f"{to_money(refund.approved_amount or ZERO):.2f}",
                    dispute_state(refund),
                ]
            )
        )
    writer.writerow(["total", "", "", "", "", "", f"{statement.total:.2f}", ""])
    writer.writerow(["count", "", "", "", "", "", statement.count, ""])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def statement_filename(statement: Statement) -> str:
    return f"statement-{statement.month}.csv"
