"""Reads on payouts: filtered lists and totals for finance."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Tender, TenderMethod
from refundportal.api import MAX_ID, ApplicationError

from .models import Payout
from .states import PayoutStatus


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ApplicationError(
            "validation_error",
            _("Invalid input: %(error)s") % {"error": f"{field}: YYYY-MM-DD"},
            fields={field: [_("A date as YYYY-MM-DD.")]},
        ) from exc


def payouts_filtered(params: Any) -> QuerySet[Payout]:
    """Payouts by status, method, refund and creation day (from/to inclusive,
    in Asia/Shanghai)."""
    qs = Payout.objects.select_related("refund")
    status = params.get("status")
    if status:
        if status not in PayoutStatus.values:
            raise ApplicationError(
                "validation_error",
                _("Invalid input: %(error)s") % {"error": f"status: {status}"},
                fields={"status": [_("One of: %s") % ", ".join(PayoutStatus.values)]},
            )
        qs = qs.filter(status=status)
    method = params.get("method")
    if method:
        if method not in TenderMethod.values:
            raise ApplicationError(
                "validation_error",
                _("Invalid input: %(error)s") % {"error": f"method: {method}"},
                fields={"method": [_("One of: %s") % ", ".join(TenderMethod.values)]},
            )
        qs = qs.filter(method=method)
    refund = params.get("refund", "")
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if refund.isascii() and refund.isdigit():
        refund_id = int(refund)
        # An id past the bigint range names no refund; the database would
        # refuse to compare with it (500 before).
        qs = qs.filter(refund_id=refund_id) if refund_id <= MAX_ID else qs.none()
    tz = timezone.get_current_timezone()
    if params.get("from"):
        start = datetime.combine(_day(params["from"], "from"), time.min, tzinfo=tz)
        qs = qs.filter(created_at__gte=_in_utc(start))
    if params.get("to"):
        end = datetime.combine(_day(params["to"], "to"), time.max, tzinfo=tz)
        qs = qs.filter(created_at__lte=_in_utc(end))
    return qs


def _in_utc(moment: datetime) -> datetime:
    """The instant in UTC, where the database compares; a day at the edge of
    the calendar (0001-01-01 in Asia/Shanghai is still year 0 in UTC) is
    clamped to the first or last instant UTC has."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        edge = datetime.min if moment.year == 1 else datetime.max
        return edge.replace(tzinfo=UTC)


def payout_totals(qs: QuerySet[Payout]) -> list[dict[str, Any]]:
    """Count and amount per status, method and whether the payout was closed
    by a reroute, in the database."""
    return list(
        qs.order_by()
        .values("status", "method", "closed")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("status", "method", "closed")
    )


def payouts_needing_action(at: datetime, stuck_minutes: int, limit: int) -> list[Payout]:
    """What finance acts on first: failed payouts still open (retry or
    reroute), and payouts stuck in processing past the sweep's limit."""
    stuck = Q(
        status=PayoutStatus.PROCESSING, processing_since__lt=at - timedelta(minutes=stuck_minutes)
    )
    failed = Q(status=PayoutStatus.FAILED, closed=False)
    return list(
        Payout.objects.filter(failed | stuck)
        .select_related("refund__order")
        .order_by("created_at", "id")[:limit]
    )


def order_tenders(order_id: int) -> list[Tender]:
    """An order's tenders, in the order they paid."""
    return list(Tender.objects.filter(order_id=order_id).order_by("position", "id"))


def tenders_with_open_payouts(order_id: int) -> list[tuple[Tender, Decimal]]:
    """Each of an order's tenders with what its open payouts (every payout
    but a rerouted one) already take, in one query."""
    taken = Sum("payouts__amount", filter=Q(payouts__closed=False))
    tenders = (
        Tender.objects.filter(order_id=order_id)
        .annotate(taken=Coalesce(taken, Decimal("0.00"), output_field=DecimalField()))
        .order_by("position", "id")
    )
    return [(tender, tender.taken) for tender in tenders]
