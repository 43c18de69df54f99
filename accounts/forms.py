"""The log-in forms of the portal's page and of the admin, both under the
failed log-in limit (``throttling``)."""

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from audit import actions as audit_actions
from refundportal.api import ApplicationError

from . import throttling

THROTTLED = "throttled"


class LoginForm(AuthenticationForm):
    """Django's log-in form, taking an attempt from the limit before the
    password is checked and giving the count back when it is right. Each
    log-in and each failure is recorded in the audit."""

    channel = audit_actions.CHANNEL_PAGE

    def clean(self) -> dict[str, Any]:
        username = str(self.data.get("username", ""))
        address = throttling.client_address(self.request)
        try:
            throttling.login_attempt(username, address)
        except ApplicationError as refusal:
            raise ValidationError(refusal.detail, code=THROTTLED) from refusal
        try:
            cleaned = super().clean()
        except ValidationError:
            throttling.login_failed(username, address, self.channel)
            raise
        throttling.login_succeeded(self.get_user(), username, address, self.channel)
        return cleaned

    def is_throttled(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, THROTTLED)


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's log-in form (staff only), under the same limit."""

    channel = audit_actions.CHANNEL_ADMIN
