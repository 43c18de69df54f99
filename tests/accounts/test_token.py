"""POST /api/v1/auth/token/: a user name and password for an API token; a
new one per log-in, kept only as a hash, ended by log-out, a password
change, idleness or age; sent as ``Token <key>`` or ``Bearer <key>``."""

import hashlib
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework.test import APIClient

from accounts.models import ApiToken
from refundportal import clock, periodic
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"


def test_returns_a_token_that_then_authenticates(api):
    user = UserFactory(role="agent")
    response = api.post(URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert set(response.json()) == {"token"}

    client = APIClient()
    assert client.get("/api/v1/orders/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/orders/").status_code == 200


def log_in(api: APIClient, user: object) -> str:
    body = {"username": user.username, "password": PASSWORD}  # type: ignore[attr-defined]
    response = api.post(URL, body, format="json")
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def with_token(key: str, keyword: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


def test_each_log_in_gets_a_new_token_and_both_work(api):
    user = UserFactory(role="customer")
    first, second = log_in(api, user), log_in(api, user)
    assert first != second
    assert with_token(first).get("/api/v1/orders/").status_code == 200
    assert with_token(second).get("/api/v1/orders/").status_code == 200


def test_only_the_hash_of_a_token_is_stored(api):
    key = log_in(api, UserFactory(role="customer"))
    stored = ApiToken.objects.get()
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        assert key not in repr(cursor.fetchall())


def test_bearer_works_as_well_as_token(api):
    key = log_in(api, UserFactory(role="customer"))
    assert with_token(key, "Bearer").get("/api/v1/orders/").status_code == 200
    assert with_token(key, "bearer").get("/api/v1/orders/").status_code == 200
    assert with_token(key, "Basic").get("/api/v1/orders/").status_code == 401


def test_log_out_ends_the_token_it_was_sent_with_only(api):
    user = UserFactory(role="customer")
    gone, kept = log_in(api, user), log_in(api, user)

    assert with_token(gone).post("/api/v1/auth/logout/").status_code == 204

    refused = with_token(gone).get("/api/v1/orders/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    assert with_token(kept).get("/api/v1/orders/").status_code == 200


def test_log_out_needs_a_token(api):
    assert api.post("/api/v1/auth/logout/").status_code == 401


def test_a_password_change_ends_every_token(api):
    user = UserFactory(role="customer")
    key = log_in(api, user)
    user.set_password("a-new-password-0001")
    user.save()

    response = with_token(key).get("/api/v1/orders/")
    assert response.status_code == 401
    assert response.json()["detail"] == "令牌已过期，请重新登录。"
    assert not ApiToken.objects.filter(user=user).exists()


def test_a_token_unused_for_longer_than_the_idle_limit_ends(api, settings):
    settings.API_TOKEN_IDLE_HOURS = 2
    user = UserFactory(role="customer")
    start = clock.now()
    with clock.frozen_at(start):
        key = log_in(api, user)
    with clock.frozen_at(start + timedelta(hours=1, minutes=59)):
        assert with_token(key).get("/api/v1/orders/").status_code == 200  # and counts as a use
    with clock.frozen_at(start + timedelta(hours=3, minutes=58)):
        assert with_token(key).get("/api/v1/orders/").status_code == 200
    with clock.frozen_at(start + timedelta(hours=6)):
        assert with_token(key).get("/api/v1/orders/").status_code == 401


def test_a_token_ends_at_its_age_limit_however_much_it_is_used(api, settings):
    settings.API_TOKEN_IDLE_HOURS = 2
    settings.API_TOKEN_MAX_HOURS = 5
    user = UserFactory(role="customer")
    start = clock.now()
    with clock.frozen_at(start):
        key = log_in(api, user)
    for hour in range(1, 5):
        with clock.frozen_at(start + timedelta(hours=hour)):
            assert with_token(key).get("/api/v1/orders/").status_code == 200
    with clock.frozen_at(start + timedelta(hours=5, minutes=1)):
        assert with_token(key).get("/api/v1/orders/").status_code == 401


def test_a_form_encoded_login_is_an_unsupported_media_type(api):
    user = UserFactory(role="integration")
    form = urlencode({"username": user.username, "password": PASSWORD})
    for body, content_type in (
        (form, "application/x-www-form-urlencoded"),
        (encode_multipart(BOUNDARY, {"username": user.username}), MULTIPART_CONTENT),
    ):
        response = api.generic("POST", URL, body, content_type=content_type)
        assert response.status_code == 415
        assert response.json()["code"] == "unsupported_media_type"
        assert "token" not in response.json()


def test_a_wrong_password_is_refused_without_a_token(api):
    user = UserFactory(role="agent")
    response = api.post(URL, {"username": user.username, "password": "wrong"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["detail"]
    assert "token" not in body


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(api):
    user = UserFactory(role="agent")
    wrong_password = api.post(URL, {"username": user.username, "password": "x"}, format="json")
    no_such_user = api.post(URL, {"username": "nobody", "password": "x"}, format="json")
    assert no_such_user.status_code == 400
    assert no_such_user.json() == wrong_password.json()


def test_an_inactive_user_gets_no_token(api):
    user = UserFactory(role="agent", is_active=False)
    response = api.post(URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({}, {"username", "password"}),
        ({"username": "a"}, {"password"}),
        ({"password": "b"}, {"username"}),
    ],
)
def test_missing_fields_are_named(api, body, missing):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert set(response.json()["fields"]) == missing


def test_a_token_that_was_revoked_no_longer_authenticates(api):
    user = UserFactory(role="agent")
    key = log_in(api, user)
    ApiToken.objects.filter(user=user).delete()
    response = with_token(key).get("/api/v1/orders/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_periodic_job_deletes_expired_tokens_only(api, settings):
    settings.API_TOKEN_IDLE_HOURS = 2
    start = clock.now()
    with clock.frozen_at(start):
        old = log_in(api, UserFactory(role="customer"))
    with clock.frozen_at(start + timedelta(hours=3)):
        fresh = log_in(api, UserFactory(role="customer"))
        assert periodic.run_all()["token_purge"] == 1
    assert with_token(old).get("/api/v1/orders/").status_code == 401
    assert ApiToken.objects.count() == 1
    assert fresh
