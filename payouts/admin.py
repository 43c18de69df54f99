"""Payouts for reading: finance finds a payout by the order, the customer,
the refund or the gateway's error, and narrows the list by status, method
and dates. Read-only: finance retries and reroutes through its pages,
which keep the idempotency rules."""

import re
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from refundportal.admin import ReadOnlyAdmin, ReadOnlyInline, money_column

from .models import Payout, PayoutAttempt, PayoutEvent, SandboxLedgerEntry

# "#12" in a search means refund 12 and nothing else, as the portal's pages
# write it; a bare 12 also finds the payouts of refund 12.
REFUND_NUMBER = re.compile(r"(?<!\S)#(\d+)(?!\S)")


class AttemptInline(ReadOnlyInline):
    model = PayoutAttempt
    fields = ["number", "started_at", "finished_at", "outcome", "error", "duration_ms"]


class EventInline(ReadOnlyInline):
    model = PayoutEvent
    fields = ["at", "actor", "actor_role", "from_status", "to_status", "what", "error"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PayoutEvent]:
        return super().get_queryset(request).select_related("actor")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "order_number",
        "customer",
        "refund_number",
        "method",
        "amount_cny",
        "status",
        "attempts",
        "short_error",
        "next_attempt_at",
        "created_at",
        "updated_at",
    ]
    list_display_links = ["id", "order_number"]
    list_filter = [
        "status",
        "method",
        "closed",
        ("next_attempt_at", admin.DateFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
        ("updated_at", admin.DateFieldListFilter),
    ]
    search_fields = [
        "refund__order__number",
        "refund__customer__username",
        "refund__id__exact",
        "last_error",
        "idempotency_key",
        "gateway_reference",
    ]
    search_help_text = _(
        "Order number, customer's user name, refund id (12 or #12), error, "
        "idempotency key or gateway reference."
    )
    inlines = [AttemptInline, EventInline]
    amount_cny = money_column(Payout, "amount")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Payout]:
        # The list and the change page alike (the changelist's own
        # list_select_related is not applied on top of a select_related).
        return (
            super()
            .get_queryset(request)
            .select_related("refund__order", "refund__customer", "tender")
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Payout], search_term: str
    ) -> tuple[QuerySet[Payout], bool]:
        refund_ids = [int(number) for number in REFUND_NUMBER.findall(search_term)]
        if refund_ids:
            queryset = queryset.filter(refund_id__in=refund_ids)
        rest = REFUND_NUMBER.sub(" ", search_term).strip()
        if not rest:
            return queryset, False
        return super().get_search_results(request, queryset, rest)

    @admin.display(description=_("order"), ordering="refund__order__number")
    def order_number(self, payout: Payout) -> str:
        return payout.refund.order.number

    @admin.display(description=_("customer"), ordering="refund__customer__username")
    def customer(self, payout: Payout) -> str:
        return payout.refund.customer.get_username()

    @admin.display(description=_("refund"), ordering="refund_id")
    def refund_number(self, payout: Payout) -> str:
        return f"#{payout.refund_id}"

    @admin.display(description=_("last error"), ordering="last_error")
    def short_error(self, payout: Payout) -> str:
        return Truncator(payout.last_error).chars(60)


@admin.register(SandboxLedgerEntry)
class SandboxLedgerAdmin(ReadOnlyAdmin):
    list_display = ["idempotency_key", "method", "amount_cny", "outcome", "reference", "at"]
    list_filter = ["outcome", "method"]
    search_fields = ["idempotency_key"]
    amount_cny = money_column(SandboxLedgerEntry, "amount")

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) or super().has_view_permission(request, obj)
