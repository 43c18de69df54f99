"""Production without collectstatic would answer 500 on every page: the
portal refuses to start instead, and ``check --deploy`` says why."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from refundportal.checks import refuse_without_static_manifest
from tests.conftest import BASE_DIR

MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture
def manifest_storage(settings: Any, tmp_path: Path) -> Path:
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST}}
    return tmp_path


def deploy_errors() -> list[str]:
    return [m.id for m in run_checks(include_deployment_checks=True) if m.id == "refundportal.E001"]


def test_without_the_manifest_the_deploy_check_fails_and_the_portal_refuses(manifest_storage):
    assert deploy_errors() == ["refundportal.E001"]
    with pytest.raises(ImproperlyConfigured, match="collectstatic"):
        refuse_without_static_manifest()


def test_with_the_manifest_all_is_well(manifest_storage):
    (manifest_storage / "staticfiles.json").write_text(json.dumps({"paths": {}, "version": "1.1"}))
    assert deploy_errors() == []
    refuse_without_static_manifest()


def test_storage_without_a_manifest_needs_none():
    # The embedded default and the tests serve static files as they are.
    assert deploy_errors() == []
    refuse_without_static_manifest()


def test_the_web_server_cannot_load_the_portal_without_the_manifest(tmp_path):
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "k" * 64,
        "DJANGO_STATIC_ROOT": str(tmp_path),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    loaded = subprocess.run(
        [sys.executable, "-c", "import refundportal.wsgi"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.returncode != 0
    assert "collectstatic --no-input" in loaded.stderr
