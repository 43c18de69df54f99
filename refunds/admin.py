"""The admin shows requests for reading; the only thing edited here is the
policy row. Every state change goes through the services, and the timeline
has no add, change or delete path at all."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from refundportal.admin import ReadOnlyAdmin, ReadOnlyInline, money_column

from .models import (
    Appeal,
    Evidence,
    Feedback,
    Message,
    RefundItem,
    RefundPolicy,
    RefundRequest,
    TimelineEvent,
)


@admin.register(RefundPolicy)
class RefundPolicyAdmin(SimpleHistoryAdmin):
    """One row: what auto-review reads and /policy/ publishes; its history
    page lists every edit, who made it, and each field's old and new value."""

    fieldsets = [
        (
            _("Auto-review"),
            {
                "fields": [
                    "grace_minutes",
                    "filing_window_hours",
                    "late_tolerance_minutes",
                    ("late_tier1_minutes", "late_tier1_percent"),
                    ("late_tier2_minutes", "late_tier2_percent"),
                    ("late_tier3_minutes", "late_tier3_percent"),
                    "auto_approve_limit",
                ]
            },
        ),
        (
            _("Risk signals"),
            {
                "fields": [
                    ("frequent_refunder_count", "frequent_refunder_days"),
                    "new_account_days",
                    "duplicate_photo_distance",
                    "high_amount",
                ]
            },
        ),
        (_("Timers"), {"fields": ["review_sla_hours", "appeal_days"]}),
        (_("Conversation"), {"fields": ["customer_reply_hours", "nudge_interval_minutes"]}),
        (_("The merchant's stage"), {"fields": ["merchant_response_minutes"]}),
    ]
    list_display = ["__str__", "updated_at"]

    def has_add_permission(self, request: Any) -> bool:
        return not RefundPolicy.objects.exists()

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ItemInline(ReadOnlyInline):
    model = RefundItem

    def get_queryset(self, request: HttpRequest) -> QuerySet[RefundItem]:
        return super().get_queryset(request).select_related("item")


class TimelineInline(ReadOnlyInline):
    model = TimelineEvent
    fields = ["at", "actor", "actor_role", "from_status", "to_status", "rule", "note", "internal"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimelineEvent]:
        return super().get_queryset(request).select_related("actor")


@admin.register(RefundRequest)
class RefundRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "order",
        "customer",
        "reason",
        "status",
        "requested_cny",
        "approved_cny",
        "risk_level",
        "created_at",
    ]
    list_filter = ["status", "reason", "risk_level", "escalated", "decision_source"]
    search_fields = ["order__number", "customer__username"]
    inlines = [ItemInline, TimelineInline]
    requested_cny = money_column(RefundRequest, "requested_amount")
    approved_cny = money_column(RefundRequest, "approved_amount")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RefundRequest]:
        # The people the change page names, read with the row; the list
        # needs only the order and the customer of it.
        return (
            super()
            .get_queryset(request)
            .select_related(
                "order",
                "customer",
                "decided_by",
                "assignee",
                "merchant_answered_by",
            )
        )


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyAdmin):
    list_display = ["request", "at", "actor_role", "from_status", "to_status", "rule", "internal"]
    list_filter = ["internal"]
    list_select_related = ["request__order"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """The conversations, for reading: append-only, like the timeline."""

    list_display = ["request", "at", "author_role", "author", "short_body"]
    list_filter = ["author_role", "asks_customer"]
    search_fields = ["request__order__number"]
    list_select_related = ["request__order", "author"]
    fields = ["request", "at", "author_role", "author", "asks_customer", "body"]

    @admin.display(description=_("message"))
    def short_body(self, message: Message) -> str:
        return Truncator(message.body).chars(60)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["id", "owner", "request", "content_type", "width", "height", "created_at"]
    list_select_related = ["owner", "request__order"]
    exclude = ["file"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["request", "rating", "created_at"]
    list_select_related = ["request__order"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["request", "rejected_by", "created_at"]
    list_select_related = ["request__order", "rejected_by"]
