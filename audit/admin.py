"""The audit in the admin: read, filtered and searched, never added to,
changed or deleted."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from refundportal.admin import ReadOnlyAdmin

from . import presenters
from .models import AuditEvent

SHOWN = (
    "at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "what",
    "facts",
    "remote_address",
)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "target", "what", "remote_address"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor__username", "target_id", "remote_address"]
    date_hierarchy = "at"
    readonly_fields = SHOWN
    fields = SHOWN
    list_per_page = 100

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("target"))
    def target(self, event: AuditEvent) -> str:
        return f"{event.target_type} #{event.target_id}" if event.target_type else ""

    @admin.display(description=_("what happened"))
    def what(self, event: AuditEvent) -> str:
        return presenters.sentence(event)
