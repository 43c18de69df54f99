from typing import Any

from django.contrib import admin

from refundportal.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Payout, PayoutAttempt, SandboxLedgerEntry


class AttemptInline(ReadOnlyInline):
    model = PayoutAttempt
    fields = ["number", "started_at", "finished_at", "outcome", "error", "duration_ms"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    """Read-only: finance retries and reroutes through its pages, which keep
    the idempotency rules."""

    list_display = ["id", "refund", "method", "amount", "status", "attempts", "created_at"]
    list_filter = ["status", "method"]
    search_fields = ["idempotency_key", "gateway_reference"]
    inlines = [AttemptInline]


@admin.register(SandboxLedgerEntry)
class SandboxLedgerAdmin(ReadOnlyAdmin):
    list_display = ["idempotency_key", "method", "amount", "outcome", "reference", "at"]
    list_filter = ["outcome", "method"]
    search_fields = ["idempotency_key"]

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) or super().has_view_permission(request, obj)
