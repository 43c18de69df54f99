"""The embedded default: SQLite, in-process tasks, console e-mail.

DEBUG stays off, so that people trying the portal see its own styled,
translated error pages and never Django's debug pages; a developer turns it
on with ``DJANGO_DEBUG=1``."""

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["*"]

# Serve static files straight from the apps and static/ without collectstatic.
STATIC_ROOT = None  # type: ignore[assignment]
# The manifest storage needs collectstatic's manifest under STATIC_ROOT: without
# this, every page that links a stylesheet answered 500 on the embedded default.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
