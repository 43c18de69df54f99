"""The in-app notifications, for reading: who got which event and when,
and whether they have read it. Sent by the services only."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from refundportal.admin import ReadOnlyAdmin

from . import presenters
from .models import Notification


class ReadFilter(admin.SimpleListFilter):
    title = _("read")
    parameter_name = "read"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Read")), ("no", _("Unread"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Notification]
    ) -> QuerySet[Notification]:
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "event", "title", "is_read", "read_at"]
    list_filter = [ReadFilter, "event", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    fields = ["user", "event", "facts", "link", "created_at", "read_at"]

    @admin.display(description=_("title"))
    def title(self, notification: Notification) -> str:
        """What the recipient read, in the admin reader's language."""
        try:
            return presenters.title(notification, get_language() or "zh-hans")
        except TemplateDoesNotExist:  # an event no longer sent
            return ""

    @admin.display(description=_("read"), boolean=True)
    def is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None
