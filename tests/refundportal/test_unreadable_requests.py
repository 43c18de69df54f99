"""Requests the portal cannot take: a NUL character in the address or in a
page's form (PostgreSQL cannot hold one in a text value), more fields or
files than Django parses, a body over its limit, a broken multipart body.
A page answers the portal's own styled 400 page, with DEBUG on too; the API
answers the error envelope. Never a 500, never Django's debug page."""

import logging
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings

from accounts import roles
from tests.conftest import client_as
from tests.factories import UserFactory, create_order, photo_bytes

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
LOGIN = "/accounts/login/"
ORDERS = "/api/v1/orders/"
EVIDENCE = "/api/v1/evidence/"
TOO_MANY = 3000


def many_fields(count: int = TOO_MANY) -> str:
    return "&".join(f"field{i}=1" for i in range(count))


def assert_styled_bad_request(response: Any) -> str:
    assert response.status_code == 400, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'data-error-page="400"' in page, page[:500]
    assert "Something in the request was wrong" in page
    assert "Traceback" not in page and "DATA_UPLOAD_MAX" not in page
    return page


def assert_envelope(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"].strip()
    return str(body["detail"])


def browser_as(user: Any = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def browser() -> Client:
    return browser_as()


# --- A NUL character in the address -------------------------------------------------

NUL_PAGE_PATHS = ["/orders/ORD-1%00/refund/", "/orders/%00/refund/", "/policy/%00/"]
NUL_API_PATHS = ["/api/v1/orders/ORD-1%00/", "/api/v1/orders/%00/", "/api/v1/orders/%00/events/"]


def assert_nul_paths_refused(customer: Any) -> None:
    create_order(customer=customer, number="ORD-1")
    browser = browser_as(customer)
    for path in NUL_PAGE_PATHS:
        assert_styled_bad_request(browser.get(path))
        assert_styled_bad_request(browser.post(path, {"reason": "missing_item"}))
    api = client_as(UserFactory(role=roles.INTEGRATION))
    for path in NUL_API_PATHS:
        detail = assert_envelope(api.get(path, HTTP_ACCEPT_LANGUAGE="en"), 400, "validation_error")
        assert detail == "The address contains a NUL character."


def test_a_nul_character_in_the_path_is_a_bad_request(customer):
    assert_nul_paths_refused(customer)


@pytest.mark.postgres
def test_a_nul_character_in_the_path_never_reaches_postgresql(customer):
    assert connection.vendor == "postgresql"
    assert_nul_paths_refused(customer)


def test_a_nul_character_in_a_page_query_is_the_styled_page(browser):
    assert_styled_bad_request(browser.get("/policy/?x=%00"))


@pytest.mark.parametrize("query", ["reason=%00&reason=ok", "reason=ok&reason=%00", "a%00=1"])
def test_a_nul_character_in_any_value_of_a_query_parameter_is_refused(query):
    api = client_as(UserFactory(role=roles.SENIOR_AGENT, is_superuser=True))
    assert_envelope(api.get(f"/api/v1/review-queue/?{query}"), 400, "validation_error")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"username": "ada\x00", "password": "x"}, id="value"),
        pytest.param({"username": "ada", "pass\x00word": "x"}, id="key"),
        pytest.param({"username": ["ada", "\x00"], "password": "x"}, id="second-value"),
    ],
)
@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_nul_character_in_a_page_form_is_the_styled_page(browser, data, encoding):
    if encoding == "multipart":
        response = browser.post(LOGIN, data)
    else:
        body = "&".join(
            f"{key}={value}"
            for key, values in data.items()
            for value in (values if isinstance(values, list) else [values])
        ).replace("\x00", "%00")
        response = browser.post(LOGIN, body, content_type=FORM)

    assert_styled_bad_request(response)


# --- Bodies and query strings Django refuses to parse -----------------------------------


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_page_form_with_too_many_fields_is_the_styled_page(browser, debug):
    with override_settings(DEBUG=debug):
        assert_styled_bad_request(browser.post(LOGIN, many_fields(), content_type=FORM))
        multipart = {f"field{i}": "1" for i in range(TOO_MANY)}
        assert_styled_bad_request(browser.post(LOGIN, multipart))


@override_settings(DEBUG=True)
def test_a_page_query_with_too_many_fields_is_the_styled_page(browser):
    assert_styled_bad_request(browser.get(f"/policy/?{many_fields()}"))


@override_settings(DEBUG=True, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_page_form_over_the_size_limit_is_the_styled_page(browser):
    assert_styled_bad_request(browser.post(LOGIN, "username=" + "a" * 1000, content_type=FORM))


@override_settings(DEBUG=True, DATA_UPLOAD_MAX_NUMBER_FILES=2)
def test_a_page_form_with_too_many_files_is_the_styled_page(customer):
    files = [SimpleUploadedFile(f"{i}.jpg", photo_bytes(i), "image/jpeg") for i in range(3)]
    order = create_order(customer=customer, number="ORD-1")

    response = browser_as(customer).post(f"/orders/{order.number}/refund/", {"photos": files})

    assert_styled_bad_request(response)


@override_settings(DEBUG=True)
def test_a_broken_multipart_page_form_is_the_styled_page(browser):
    response = browser.post(LOGIN, b"--x\r\n", content_type="multipart/form-data; boundary=")

    assert_styled_bad_request(response)


def test_a_refused_page_form_is_still_logged_as_suspicious(browser, caplog):
    with caplog.at_level(logging.WARNING, logger="django.security"):
        browser.post(LOGIN, many_fields(), content_type=FORM)

    assert [r.name for r in caplog.records if r.name.startswith("django.security")] == [
        "django.security.TooManyFieldsSent"
    ]


def test_a_form_body_to_a_json_endpoint_is_an_unsupported_media_type(integration):
    for body, content_type in ((many_fields(), FORM), ("number=1", FORM)):
        response = integration.generic("POST", ORDERS, body, content_type=content_type)
        assert_envelope(response, 415, "unsupported_media_type")

    response = integration.post(ORDERS, {"number": "1"}, format="multipart")
    assert_envelope(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_an_upload_with_too_many_fields_is_a_validation_error(customer, debug):
    multipart = {f"field{i}": "1" for i in range(TOO_MANY)}
    with override_settings(DEBUG=debug):
        response = client_as(customer).post(
            EVIDENCE, multipart, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
        )
    detail = assert_envelope(response, 400, "validation_error")
    assert detail == "The request has more than 2000 fields."


def test_an_api_query_with_too_many_fields_is_a_validation_error(integration):
    assert_envelope(integration.get(f"{ORDERS}?{many_fields()}"), 400, "validation_error")


def test_the_too_many_fields_detail_speaks_the_requests_language(integration):
    response = integration.get(f"{ORDERS}?{many_fields()}")

    detail = assert_envelope(response, 400, "validation_error")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in detail)


@override_settings(DEBUG=True, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_upload_whose_fields_are_over_the_size_limit_is_too_large(customer):
    response = client_as(customer).post(EVIDENCE, {"note": "x" * 2000}, format="multipart")

    assert_envelope(response, 413, "payload_too_large")


@override_settings(DEBUG=True, DATA_UPLOAD_MAX_NUMBER_FILES=2)
def test_an_api_upload_with_too_many_files_is_a_validation_error(customer):
    files = [SimpleUploadedFile(f"{i}.jpg", photo_bytes(i), "image/jpeg") for i in range(3)]

    response = client_as(customer).post(EVIDENCE, {"file": files}, format="multipart")

    assert_envelope(response, 400, "validation_error")
