"""The error envelope (SPEC 7 and 10): every malformed request gets a 4xx
whose JSON body has a stable ``code`` and a human ``detail``; none gets a
500, whatever the body, its encoding or its size."""

import json
from typing import Any

import pytest
from django.test import Client

from tests.conftest import client_as
from tests.factories import OrderPayloadFactory, UserFactory, create_order

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"
TOKEN = "/api/v1/auth/token/"
ONE_MIB = 1024 * 1024


def raw_post(
    client: Any, path: str, body: bytes, content_type: str = "application/json", **extra: Any
) -> Any:
    return client.generic("POST", path, body, content_type=content_type, **extra)


def assert_envelope(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"].strip()
    return body


# --- bodies the parser refuses ----------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"number": ', id="truncated"),
        pytest.param(b"{'number': 'ORD-1'}", id="single-quotes"),
        pytest.param(b'{"number": "ORD-1",}', id="trailing-comma"),
        pytest.param(b"\xef\xbb\xbf{}", id="byte-order-mark"),
        pytest.param(b"undefined", id="not-json"),
    ],
)
def test_malformed_json_is_a_validation_error(integration, body):
    assert_envelope(raw_post(integration, ORDERS, body), 400, "validation_error")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"number": "\xff\xfe"}', id="invalid-start-byte"),
        pytest.param(b'{"number": "\xe5\xae"}', id="truncated-sequence"),
        pytest.param(b'{"number": "\xc0\xaf"}', id="overlong"),
        pytest.param(b'{"number": "\xed\xa0\x80"}', id="surrogate"),
        pytest.param('{"number": "订单"}'.encode("gb18030"), id="gb18030"),
    ],
)
def test_bytes_that_are_not_utf8_are_a_validation_error(integration, body):
    assert_envelope(raw_post(integration, ORDERS, body), 400, "validation_error")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 100_000, id="100000-open-brackets"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="100000-nested-lists"),
        pytest.param(b'{"a":' * 50_000 + b"1" + b"}" * 50_000, id="50000-nested-objects"),
    ],
)
def test_absurdly_deep_json_is_a_validation_error(integration, body):
    assert_envelope(raw_post(integration, ORDERS, body), 400, "validation_error")


def test_deep_json_is_refused_on_the_token_endpoint_too(api):
    assert_envelope(raw_post(api, TOKEN, b"[" * 100_000), 400, "validation_error")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(integration, constant):
    body = f'{{"delivery_fee": {constant}}}'.encode()
    response = raw_post(integration, ORDERS, body)
    assert constant in assert_envelope(response, 400, "validation_error")["detail"]


@pytest.mark.parametrize("number", ["1e999999", "-1e999999"])
def test_a_number_too_large_for_a_float_is_not_an_amount(integration, customer, number):
    payload = json.dumps(OrderPayloadFactory(customer=customer.username))
    body = payload.replace('"delivery_fee": "3.00"', f'"delivery_fee": {number}').encode()
    assert_envelope(raw_post(integration, ORDERS, body), 400, "validation_error")


def test_an_integer_with_thousands_of_digits_is_a_validation_error(integration):
    body = b'{"delivery_fee": 1' + b"0" * 5000 + b"}"
    assert_envelope(raw_post(integration, ORDERS, body), 400, "validation_error")


@pytest.mark.parametrize("size", [ONE_MIB + 1, 3 * ONE_MIB])
def test_a_body_over_one_mebibyte_is_too_large(integration, size):
    body = b'{"number": "' + b"x" * (size - 14) + b'"}'
    assert len(body) == size
    assert_envelope(raw_post(integration, ORDERS, body), 413, "payload_too_large")


def test_a_body_just_under_the_limit_is_parsed(integration):
    body = b'{"colour": "' + b"x" * (ONE_MIB - 14) + b'"}'
    assert len(body) == ONE_MIB
    response = raw_post(integration, ORDERS, body)
    assert assert_envelope(response, 400, "validation_error")["fields"]["colour"]


@pytest.mark.parametrize(
    "items",
    [
        pytest.param([{}] * 250_000, id="empty-objects"),
        pytest.param([1] * 400_000, id="numbers"),
        pytest.param([[]] * 300_000, id="empty-lists"),
    ],
)
def test_a_huge_list_is_refused_by_its_length_with_a_short_answer(integration, customer, items):
    """Not one error per element: a list far over its limit is refused by its
    length, in a body a client can read."""
    payload = OrderPayloadFactory(customer=customer.username, items=items)
    body = json.dumps(payload, separators=(",", ":")).encode()
    assert len(body) < ONE_MIB
    response = raw_post(integration, ORDERS, body)
    assert assert_envelope(response, 400, "validation_error")["fields"]["items"]
    assert len(response.content) < 2_000


def test_many_unknown_fields_are_named_but_not_all_echoed(integration):
    body = json.dumps({f"field{i}": i for i in range(50_000)}).encode()
    response = raw_post(integration, ORDERS, body)
    fields = assert_envelope(response, 400, "validation_error")["fields"]
    assert 0 < len(fields) <= 20
    assert len(response.content) < 5_000


# --- content types --------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "text/csv", "application/octet-stream"]
)
def test_a_body_in_another_media_type_is_unsupported(integration, content_type):
    response = raw_post(integration, ORDERS, b'{"number": "ORD-1"}', content_type)
    body = assert_envelope(response, 415, "unsupported_media_type")
    assert content_type in body["detail"]


def test_the_token_endpoint_refuses_other_media_types(api):
    assert_envelope(raw_post(api, TOKEN, b"{}", "text/plain"), 415, "unsupported_media_type")


def test_a_form_encoded_order_is_an_unsupported_media_type(integration):
    response = raw_post(
        integration, ORDERS, b"number=ORD-1&customer=x", "application/x-www-form-urlencoded"
    )
    assert_envelope(response, 415, "unsupported_media_type")


def test_an_unacceptable_accept_header_is_not_acceptable(integration):
    response = integration.get(ORDERS, HTTP_ACCEPT="application/xml")
    assert_envelope(response, 406, "not_acceptable")


# --- bodies that are JSON but not an object -----------------------------------------


@pytest.mark.parametrize(
    "body", [b"[]", b'[{"number": "ORD-1"}]', b"42", b"-1.5", b'"ORD-1"', b"true", b"null"]
)
def test_json_that_is_not_an_object_is_a_validation_error(integration, body):
    assert_envelope(raw_post(integration, ORDERS, body), 400, "validation_error")


@pytest.mark.parametrize("body", [b"[]", b"42", b"null", b'"admin"'])
def test_the_token_endpoint_refuses_json_that_is_not_an_object(api, body):
    assert_envelope(raw_post(api, TOKEN, body), 400, "validation_error")


def test_an_empty_body_names_the_missing_fields(integration):
    response = raw_post(integration, ORDERS, b"")
    assert "number" in assert_envelope(response, 400, "validation_error")["fields"]


# --- field errors -----------------------------------------------------------------


def test_field_errors_are_listed_under_fields_and_the_first_is_in_the_detail(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username)
    payload["tenders"][0]["amount"] = "abc"
    body = assert_envelope(
        integration.post(ORDERS, payload, format="json"), 400, "validation_error"
    )
    assert "tenders[0].amount" in body["detail"]
    assert body["fields"]["tenders"]["0"]["amount"]


def test_the_detail_speaks_the_requests_language(integration):
    english = raw_post(integration, ORDERS, b"{", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"].startswith("Malformed JSON")


def test_the_default_language_is_chinese(api):
    body = assert_envelope(api.get(ORDERS), 401, "not_authenticated")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])


# --- authentication and methods -----------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Token not-a-real-token", "Token two words", "Token", "Bearer abc", "Basic dXNlcjpwYXNz"],
)
def test_bad_credentials_are_not_authenticated(api, header):
    response = api.get(ORDERS, HTTP_AUTHORIZATION=header)
    assert_envelope(response, 401, "not_authenticated")


@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", ORDERS), ("put", ORDERS), ("patch", ORDERS), ("get", TOKEN)],
)
def test_a_method_an_endpoint_does_not_have_is_not_allowed(integration, method, path):
    response = getattr(integration, method)(path, {}, format="json")
    assert_envelope(response, 405, "method_not_allowed")


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_an_order_cannot_be_changed_or_deleted(integration, customer, method):
    order = create_order(customer=customer)
    response = getattr(integration, method)(f"{ORDERS}{order.number}/", {}, format="json")
    assert_envelope(response, 405, "method_not_allowed")
    order.refresh_from_db()


@pytest.mark.parametrize(
    "query", [{"page": "abc"}, {"page": "0"}, {"page": "-1"}, {"page": "99999999999999999999"}]
)
def test_a_bad_page_number_is_not_found(integration, query):
    assert_envelope(integration.get(ORDERS, query), 404, "not_found")


@pytest.mark.parametrize("query", [{"page_size": "abc"}, {"page_size": "-1"}])
def test_a_bad_page_size_falls_back_to_the_default(integration, query):
    assert integration.get(ORDERS, query).status_code == 200


def test_a_bad_filter_value_is_a_validation_error_naming_it(integration):
    body = assert_envelope(integration.get(ORDERS, {"status": "x"}), 400, "validation_error")
    assert list(body["fields"]) == ["status"]


@pytest.mark.parametrize("number", ["ORD-NOPE", "x" * 5000, "订单", ".."])
def test_an_unknown_order_number_is_not_found(integration, number):
    assert_envelope(integration.get(f"{ORDERS}{number}/"), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/orders/ORD-1/nope/"])
def test_an_unknown_api_path_answers_the_json_envelope(integration, path):
    assert_envelope(integration.get(path), 404, "not_found")


# --- never a 500 ------------------------------------------------------------------


NASTY_BODIES = [
    b"",
    b"{",
    b"}",
    b"\x00",
    b"\xff" * 64,
    b"[" * 100_000,
    b'{"a": NaN}',
    b"[]",
    b"null",
    b'{"number": null, "items": null, "tenders": null, "merchant": null}',
    b'{"number": [], "items": {}, "tenders": "", "merchant": 1}',
    b'{"items": [null, 1, "x", [], {}], "tenders": [null]}',
    b'{"status": {}, "at": []}',
    b'{"status": "delivered", "at": "9999-12-31T23:59:59+14:00"}',
    b'{"status": "delivered", "at": "0001-01-01T00:00:00-12:00"}',
    b'{"status": "delivered", "at": "0001-01-01T00:00:00+14:00"}',
    b'{"status": "delivered", "at": "9999-12-31T23:59:59-14:00"}',
    b'{"status": "delivered", "at": "2025-02-30T12:00:00+08:00"}',
    b'{"placed_at": "0001-01-01T00:00:00+14:00", "promised_at": "9999-12-31T23:59:59-14:00"}',
    b'{"username": null, "password": null}',
    b'{"username": "\\u0000", "password": "\\ud800"}',
]


@pytest.mark.parametrize("body", NASTY_BODIES, ids=range(len(NASTY_BODIES)))
@pytest.mark.parametrize(
    "path", [ORDERS, f"{ORDERS}ORD-000000/events/", TOKEN], ids=["orders", "events", "token"]
)
def test_no_body_is_a_server_error(integration, customer, path, body):
    create_order(customer=customer, number="ORD-000000")
    client = Client(raise_request_exception=False) if path == TOKEN else integration
    response = raw_post(client, path, body)
    assert 400 <= response.status_code < 500, response.content[:300]
    body_json = response.json()
    assert body_json["code"] and body_json["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/review-queue/?reason=a%00b",
        "/api/v1/refunds/?order=%00",
        "/api/v1/orders/?status=x&%00=1",
        "/api/v1/payouts/?method=%00",
    ],
)
def test_a_nul_character_in_the_query_string_is_a_validation_error(path):
    user = UserFactory(role="senior_agent", is_superuser=True)
    assert_envelope(client_as(user).get(path), 400, "validation_error")


def test_a_nul_character_in_a_page_query_is_a_bad_request(client):
    assert client.get("/policy/?x=%00").status_code == 400
