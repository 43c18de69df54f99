"""Start-up checks: the portal refuses to start in a shape that would fail
every request later."""

from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import CheckMessage, Error
from django.core.exceptions import ImproperlyConfigured


def static_manifest_missing() -> str:
    """Why the static files cannot be served ("" when they can): a manifest
    storage without collectstatic's manifest answers 500 on every page."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return ""
    if staticfiles_storage.manifest_storage.exists(staticfiles_storage.manifest_name):
        return ""
    return (
        f"The static files' manifest ({staticfiles_storage.manifest_name}) is missing under "
        f"STATIC_ROOT ({settings.STATIC_ROOT}): run `python manage.py collectstatic --no-input` "
        "before starting the portal; without it every page would answer 500."
    )


def check_static_manifest(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """``manage.py check --deploy``: the manifest collectstatic writes."""
    problem = static_manifest_missing()
    return [Error(problem, id="refundportal.E001")] if problem else []


def refuse_without_static_manifest() -> None:
    """Called where the web server loads the portal (wsgi, asgi)."""
    problem = static_manifest_missing()
    if problem:
        raise ImproperlyConfigured(problem)


CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"


def email_undeliverable() -> str:
    """Why e-mail would reach nobody ("" when it would): production writing
    mail to the console without anyone having chosen that."""
    if not settings.EMAIL_CONSOLE_REFUSED or settings.EMAIL_BACKEND_CHOSEN:
        return ""
    if settings.EMAIL_BACKEND != CONSOLE_EMAIL:
        return ""
    return (
        "No mail server is configured: set EMAIL_HOST (with EMAIL_PORT, EMAIL_HOST_USER, "
        "EMAIL_HOST_PASSWORD, EMAIL_USE_TLS or EMAIL_USE_SSL as the server needs), or set "
        f"EMAIL_BACKEND={CONSOLE_EMAIL} to choose writing e-mails to the console; "
        "otherwise notification e-mails would reach nobody."
    )


def check_email(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """``manage.py check --deploy``: a way to send e-mail."""
    problem = email_undeliverable()
    return [Error(problem, id="refundportal.E002")] if problem else []


def refuse_without_email() -> None:
    """Called where the web server loads the portal (wsgi, asgi)."""
    problem = email_undeliverable()
    if problem:
        raise ImproperlyConfigured(problem)
