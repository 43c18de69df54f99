"""Failed log-ins: 10 per 15 minutes for one user name from one address."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def token(username, password, address="10.0.0.1"):
    return APIClient(REMOTE_ADDR=address).post(
        TOKEN, {"username": username, "password": password}, format="json"
    )


def test_the_eleventh_attempt_is_throttled_even_with_the_right_password():
    user = UserFactory(role="customer")
    for _ in range(10):
        assert token(user.username, "wrong").status_code == 400
    blocked = token(user.username, PASSWORD)
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "throttled"
    assert blocked.json()["retry_after"] == 900


def test_the_pair_is_limited_not_the_address_nor_the_name():
    alice, bob = UserFactory(role="customer"), UserFactory(role="customer")
    for _ in range(10):
        token(alice.username, "wrong")
    assert token(bob.username, PASSWORD).status_code == 200
    assert token(alice.username, PASSWORD, address="10.0.0.2").status_code == 200
    assert token(alice.username.upper(), PASSWORD).status_code == 429


def test_a_success_clears_the_failures():
    user = UserFactory(role="customer")
    for _ in range(9):
        token(user.username, "wrong")
    assert token(user.username, PASSWORD).status_code == 200
    for _ in range(9):
        token(user.username, "wrong")
    assert token(user.username, PASSWORD).status_code == 200


def test_the_login_page_has_the_same_limit():
    user = UserFactory(role="agent")
    browser = Client(REMOTE_ADDR="10.0.0.9", HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(10):
        page = browser.post("/accounts/login/", {"username": user.username, "password": "x"})
        assert page.status_code == 200
    page = browser.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert page.status_code == 429
    assert "Too many failed log-ins" in page.content.decode()
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize("spelling", ["bf３", "bｆ3", "bｆ３", "BF3", " bf3 "])
def test_full_width_and_other_spellings_share_the_limit(spelling):
    UserFactory(role="customer", username="bf3")
    for _ in range(10):
        token("bf3", "wrong")
    assert token(spelling, "wrong").status_code == 429


def test_a_full_width_spelling_with_the_right_password_is_refused_once_locked():
    UserFactory(role="customer", username="bf3")
    for _ in range(10):
        token("bｆ３", "wrong")
    assert token("ｂf3", PASSWORD).status_code == 429
    assert token("bf3", PASSWORD).status_code == 429


def test_the_login_page_keys_the_limit_on_the_normalized_name():
    UserFactory(role="agent", username="bf3")
    browser = Client(REMOTE_ADDR="10.0.0.9", HTTP_ACCEPT_LANGUAGE="en")
    for spelling in ["bf3", "bf３", "bｆ3", "bｆ３", "Bf3"] * 2:
        browser.post("/accounts/login/", {"username": spelling, "password": "x"})
    page = browser.post("/accounts/login/", {"username": "ｂf3", "password": PASSWORD})
    assert page.status_code == 429
    assert "_auth_user_id" not in browser.session


@pytest.mark.django_db(transaction=True)  # each thread commits on its own connection
def test_a_burst_of_parallel_wrong_passwords_gets_ten_checks():
    checked = []
    start = threading.Barrier(30)

    def slow_wrong_password(request=None, **credentials):
        checked.append(credentials["username"])
        time.sleep(0.05)
        return None

    def attempt(_):
        try:
            start.wait()
            return token("bf3", "wrong").status_code
        finally:
            connection.close()

    with (
        mock.patch("rest_framework.authtoken.serializers.authenticate", slow_wrong_password),
        ThreadPoolExecutor(max_workers=30) as pool,
    ):
        statuses = list(pool.map(attempt, range(30)))
    assert len(checked) == 10
    assert sorted(statuses) == [400] * 10 + [429] * 20
