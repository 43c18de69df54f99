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
