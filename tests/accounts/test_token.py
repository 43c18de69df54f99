"""POST /api/v1/auth/token/: a user name and password for an API token."""

from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

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


def test_the_same_user_gets_the_same_token(api):
    user = UserFactory(role="customer")
    body = {"username": user.username, "password": PASSWORD}
    assert api.post(URL, body, format="json").json() == api.post(URL, body, format="json").json()


def test_a_form_encoded_login_works(api):
    user = UserFactory(role="integration")
    response = api.post(
        URL,
        urlencode({"username": user.username, "password": PASSWORD}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert response.json()["token"]


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
    from rest_framework.authtoken.models import Token

    user = UserFactory(role="agent")
    token = api.post(URL, {"username": user.username, "password": PASSWORD}, format="json")
    Token.objects.filter(user=user).delete()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    response = client.get("/api/v1/orders/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
