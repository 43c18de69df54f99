"""E-mail in production: a mail server (EMAIL_HOST) or a backend chosen on
purpose (EMAIL_BACKEND); without either, check --deploy fails and the web
server refuses to load the portal, naming the variables."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from refundportal.checks import CONSOLE_EMAIL, refuse_without_email
from tests.conftest import BASE_DIR


def email_errors() -> list[str]:
    return [m.id for m in run_checks(include_deployment_checks=True) if m.id == "refundportal.E002"]


@pytest.fixture
def production_console(settings: Any) -> Any:
    settings.EMAIL_CONSOLE_REFUSED = True
    settings.EMAIL_BACKEND = CONSOLE_EMAIL
    settings.EMAIL_BACKEND_CHOSEN = False
    return settings


def test_production_without_a_mail_server_fails_the_deploy_check(production_console):
    assert email_errors() == ["refundportal.E002"]
    with pytest.raises(ImproperlyConfigured, match=r"EMAIL_HOST.*EMAIL_BACKEND"):
        refuse_without_email()


def test_the_console_chosen_on_purpose_is_accepted(production_console):
    production_console.EMAIL_BACKEND_CHOSEN = True
    assert email_errors() == []
    refuse_without_email()


def test_elsewhere_the_console_is_fine(settings):
    settings.EMAIL_BACKEND = CONSOLE_EMAIL
    settings.EMAIL_BACKEND_CHOSEN = False
    assert email_errors() == []


def production(
    static_root: Path, module: str = "wsgi", **variables: str
) -> subprocess.CompletedProcess[str]:
    """Load the production settings and the WSGI application in a fresh
    interpreter with only these e-mail variables set (and the static files
    collected)."""
    (static_root / "staticfiles.json").write_text(json.dumps({"paths": {}, "version": "1.1"}))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("EMAIL_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        {
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": "k" * 64,
            "DJANGO_STATIC_ROOT": str(static_root),
            **variables,
        }
    )
    script = (
        "import django, os;"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'refundportal.settings.production';"
        "django.setup(); from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_TIMEOUT,"
        " s.DEFAULT_FROM_EMAIL, s.PORTAL_BASE_URL);"
        f"import refundportal.{module}"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_environment_configures_smtp(tmp_path):
    loaded = production(
        tmp_path,
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="true",
        EMAIL_TIMEOUT="5",
        DEFAULT_FROM_EMAIL="refunds@example.com",
        PORTAL_BASE_URL="https://refunds.example.com/",
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        "587",
        "True",
        "5",
        "refunds@example.com",
        "https://refunds.example.com",
    ]


@pytest.mark.parametrize("module", ["wsgi", "asgi"])
def test_production_without_a_mail_server_refuses_to_start(tmp_path, module):
    loaded = production(tmp_path, module)
    assert loaded.returncode != 0
    assert "EMAIL_HOST" in loaded.stderr and "EMAIL_BACKEND" in loaded.stderr


def test_production_with_the_console_chosen_starts(tmp_path):
    loaded = production(tmp_path, EMAIL_BACKEND=CONSOLE_EMAIL)
    assert loaded.returncode == 0, loaded.stderr
