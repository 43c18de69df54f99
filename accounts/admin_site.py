"""The admin site: Django's, with the portal's log-in form, so that the
admin's log-in has the same failed log-in limit as the portal's, and the
portal's name in its header and page titles."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from .forms import AdminLoginForm


class PortalAdminSite(admin.AdminSite):
    login_form = AdminLoginForm
    site_header = _("Refund portal · administration")
    site_title = _("Refund portal administration")
    index_title = _("Records and settings")

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if isinstance(form, AdminLoginForm) and form.is_throttled():
            response.status_code = 429
        return response
