"""A client generated from the served /api/schema/ with
``openapi-python-client`` (offline, no post hooks) imports and drives a
live portal through a whole refund: the schema is what the portal does.
About 5 s: one generation, one served portal, one flow."""

import importlib
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from accounts import roles
from refundportal import clock
from tests.factories import PASSWORD, UserFactory, photo_bytes

from . import flow

PACKAGE = "refundportal_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# Post hooks off (they would run ruff from the PATH); the photo download's
# image types read as bytes.
CONFIG = """\
post_hooks: []
content_type_overrides:
  image/jpeg: application/octet-stream
  image/png: application/octet-stream
  image/webp: application/octet-stream
"""
NOW = datetime(2026, 3, 18, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def generate(schema: bytes, folder: Path) -> Path:
    (folder / "schema.json").write_bytes(schema)
    (folder / "config.yaml").write_text(CONFIG)
    done = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(folder / "schema.json"),
            "--config",
            str(folder / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # A warning means an operation or a response was left out of the client.
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    return folder


@pytest.fixture
def generated(tmp_path: Path, transactional_db: None) -> object:
    schema = Client().get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert schema.status_code == 200
    folder = generate(schema.content, tmp_path)
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_a_generated_client_drives_a_whole_refund(generated, live_server):
    with clock.frozen_everywhere(NOW):
        users = {
            role: UserFactory(
                role=role, username=f"client-{role}", date_joined=NOW - timedelta(days=90)
            ).username
            for role in (
                roles.INTEGRATION,
                roles.CUSTOMER,
                roles.AGENT,
                roles.FINANCE,
                roles.MANAGER,
            )
        }
        seen = flow.run(
            generated,
            live_server.url,
            NOW,
            {role: (name, PASSWORD) for role, name in users.items()},
            photo_bytes(7),
        )
    assert seen["refund"].status.value in ("approved", "refunded")
    assert seen["kpis"].month == "2026-03"
