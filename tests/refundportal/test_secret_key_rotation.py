"""Rotating DJANGO_SECRET_KEY: with the old key in
DJANGO_SECRET_KEY_FALLBACKS, people who are logged in stay logged in;
without it, everyone logs in again."""

import os
import subprocess
import sys

import pytest
from django.test import Client

from accounts import roles
from tests.conftest import BASE_DIR
from tests.factories import UserFactory

OLD = "old-" + "o" * 60
NEW = "new-" + "n" * 60


def test_production_reads_the_earlier_keys_from_the_environment():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "refundportal.settings.production",
        "DJANGO_SECRET_KEY": NEW,
        "DJANGO_SECRET_KEY_FALLBACKS": f" {OLD} , older-{'x' * 60},",
    }
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert shown.stdout.strip() == str([OLD, f"older-{'x' * 60}"])


@pytest.mark.django_db
@pytest.mark.parametrize(("fallbacks", "still_in"), [([OLD], True), ([], False)])
def test_a_session_outlives_the_rotation_only_with_the_old_key_as_fallback(
    settings, fallbacks, still_in
):
    settings.SECRET_KEY = OLD
    customer = UserFactory(role=roles.CUSTOMER)
    client = Client()
    client.force_login(customer)
    assert client.get("/orders/").status_code == 200
    settings.SECRET_KEY = NEW
    settings.SECRET_KEY_FALLBACKS = fallbacks
    assert (client.get("/orders/").status_code == 200) is still_in
