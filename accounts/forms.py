"""The log-in forms of the portal's page and of the admin, both under the
failed log-in limit (``throttling``)."""

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from audit import actions as audit_actions
from audit.services import audit_record
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
            audit_record(
                action=audit_actions.LOGIN_FAILED,
                facts={"username": username[:150], "channel": self.channel},
                remote_address=address,
                best_effort=True,
            )
            raise
        throttling.login_succeeded(username, address)
        user = self.get_user()
        audit_record(
            action=audit_actions.LOGGED_IN,
            actor=user,
            target_type="user",
            target_id=user.pk,
            facts={"channel": self.channel},
            remote_address=address,
        )
        return cleaned

    def is_throttled(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, THROTTLED)


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's log-in form (staff only), under the same limit."""

    channel = audit_actions.CHANNEL_ADMIN
