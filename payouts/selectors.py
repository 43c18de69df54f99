"""Reads on payouts: filtered lists and totals for finance."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from orders.models import Tender
from refundportal.api import ApplicationError

from .filters import PayoutFilter
from .models import Payout
from .states import PayoutStatus


def payouts_filtered(params: Any) -> QuerySet[Payout]:
    """Payouts by status, method, refund and creation day (from/to inclusive,
    in Asia/Shanghai): the API's filters (``PayoutFilter``), for pages too.
    A bad value is ``validation_error`` naming each bad parameter."""
    found = PayoutFilter(params, queryset=Payout.objects.select_related("refund"))
    if not found.is_valid():
        fields = {name: [str(m) for m in messages] for name, messages in found.errors.items()}
        name, messages = next(iter(fields.items()))
        raise ApplicationError(
            "validation_error",
            _("Invalid input: %(error)s") % {"error": f"{name}: {messages[0]}"},
            fields=fields,
        )
    return found.qs


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
