"""GET /api/schema/ and /api/docs/: a public, valid OpenAPI 3 document that
declares the error envelope on every operation, and interactive docs that
load nothing from a CDN."""

import re
from typing import Any

import pytest
from drf_spectacular.validation import validate_schema

from tests.refundportal.schema_support import SCHEMA, operations

pytestmark = pytest.mark.django_db

DOCS = "/api/docs/"
CDN_HOSTS = (
    "cdn.jsdelivr",
    "unpkg.com",
    "cdnjs.cloudflare",
    "fonts.googleapis",
    "fonts.gstatic",
    "googleapis.com",
    "bootcdn",
    "staticfile.org",
)


def resolve(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = schema
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_the_schema_is_public(api):
    response = api.get(SCHEMA)
    assert response.status_code == 200
    assert b"openapi: 3." in response.content


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_every_reference_resolves(schema):
    text = str(schema)
    refs = set(re.findall(r"'\$ref': '([^']+)'", text))
    assert refs
    for ref in refs:
        assert resolve(schema, ref), ref


def test_the_schema_lists_the_order_endpoints(schema):
    paths = schema["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/orders/"])
    assert "get" in paths["/api/v1/orders/{number}/"]
    assert "post" in paths["/api/v1/orders/{number}/events/"]
    assert "post" in paths["/api/v1/auth/token/"]


def test_order_creation_declares_both_201_and_the_idempotent_200(schema):
    responses = schema["paths"]["/api/v1/orders/"]["post"]["responses"]
    assert {"200", "201", "400", "409"} <= set(responses)


def test_the_order_list_is_declared_paginated(schema):
    ok = schema["paths"]["/api/v1/orders/"]["get"]["responses"]["200"]
    body = ok["content"]["application/json"]["schema"]
    body = resolve(schema, body["$ref"]) if "$ref" in body else body
    assert {"count", "next", "previous", "results"} <= set(body["properties"])


def test_nullable_fields_are_marked_nullable(schema):
    order = schema["components"]["schemas"]["Order"]["properties"]
    assert order["delivered_at"].get("nullable") is True
    assert not order["placed_at"].get("nullable")


def test_money_is_declared_as_a_decimal_string(schema):
    order = schema["components"]["schemas"]["Order"]["properties"]
    assert order["paid_total"]["type"] == "string"
    assert order["paid_total"].get("format") == "decimal"


@pytest.mark.parametrize("code", ["400", "401", "403", "404", "429"])
def test_every_operation_declares_its_errors_with_the_envelope(schema, code):
    ops = operations(schema)
    assert ops
    for path, method, operation in ops:
        response = operation["responses"].get(code)
        assert response, f"{method.upper()} {path} does not declare {code}"
        body = response["content"]["application/json"]["schema"]
        envelope = resolve(schema, body["$ref"]) if "$ref" in body else body
        assert {"code", "detail"} <= set(envelope["properties"]), f"{method} {path} {code}"
        assert {"code", "detail"} <= set(envelope.get("required", []))


def test_every_write_declares_conflict_size_and_media_type_errors(schema):
    for path, method, operation in operations(schema):
        if method in {"post", "put", "patch"}:
            assert {"409", "413", "415"} <= set(operation["responses"]), f"{method} {path}"


def body_schema(schema: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
    body = content["application/json"]["schema"]
    return resolve(schema, body["$ref"]) if "$ref" in body else body


def test_the_conversation_is_documented_both_ways(schema):
    item = schema["paths"]["/api/v1/refunds/{id}/messages/"]
    listed = item["get"]["responses"]
    page = body_schema(schema, listed["200"]["content"])
    assert {"count", "next", "previous", "results"} <= set(page["properties"])
    message = resolve(schema, page["properties"]["results"]["items"]["$ref"])
    assert set(message["properties"]) == {"id", "at", "author_role", "body", "evidence"}
    assert "404" in listed

    written = item["post"]
    request = body_schema(schema, written["requestBody"]["content"])
    assert set(request["properties"]) == {"body", "evidence", "awaiting_customer"}
    assert request["required"] == ["body"]
    assert request["additionalProperties"] is False
    assert request["properties"]["body"]["maxLength"] == 2000
    assert request["properties"]["evidence"]["maxItems"] == 6
    assert request["properties"]["awaiting_customer"]["type"] == "boolean"
    assert (
        resolve(
            schema, written["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
        )
        == message
    )
    assert {"400", "404", "409"} <= set(written["responses"])


def test_the_nudge_declares_its_throttle_with_the_error_envelope(schema):
    responses = schema["paths"]["/api/v1/refunds/{id}/nudge/"]["post"]["responses"]
    assert {"200", "400", "404", "409", "429"} <= set(responses)
    refund = body_schema(schema, responses["200"]["content"])
    assert "nudges" in refund["properties"]
    throttled = body_schema(schema, responses["429"]["content"])
    assert {"code", "detail"} <= set(throttled["required"])
    assert throttled["properties"]["retry_after"]["type"] == "integer"
    assert "throttled" in responses["429"]["description"]


def test_the_refund_status_includes_waiting_for_the_customer(schema):
    status = schema["components"]["schemas"]["Refund"]["properties"]["status"]
    assert status.get("allOf", [status]) == [{"$ref": "#/components/schemas/RefundStatus"}]
    values = schema["components"]["schemas"]["RefundStatus"]["enum"]
    assert {"awaiting_customer", "pending_review"} <= set(values)


MERCHANT_OPERATIONS = (
    ("/api/v1/merchant/refunds/", "get"),
    ("/api/v1/refunds/{id}/merchant-response/", "post"),
)


def enum_of(schema: dict[str, Any], prop: dict[str, Any]) -> set[str]:
    """The values a property allows, through its ``$ref``, ``allOf`` or ``oneOf``."""
    if "enum" in prop:
        return set(prop["enum"])
    if "$ref" in prop:
        return enum_of(schema, resolve(schema, prop["$ref"]))
    values: set[str] = set()
    for part in prop.get("allOf", []) + prop.get("oneOf", []):
        values |= enum_of(schema, part)
    return values


@pytest.mark.parametrize(("path", "method"), MERCHANT_OPERATIONS)
def test_the_merchant_operations_declare_their_errors_with_the_envelope(schema, path, method):
    operation = schema["paths"][path][method]
    responses = operation["responses"]
    errors = {"400", "401", "403", "404", "429"} | ({"409"} if method == "post" else set())
    assert errors <= set(responses)
    for code in errors:
        envelope = body_schema(schema, responses[code]["content"])
        assert {"code", "detail"} <= set(envelope["required"]), (path, code)
    refund = body_schema(schema, responses["200"]["content"])
    if method == "get":
        assert {"count", "next", "previous", "results"} <= set(refund["properties"])
        refund = resolve(schema, refund["properties"]["results"]["items"]["$ref"])
    assert refund == schema["components"]["schemas"]["Refund"]
    if method == "post":
        assert "conflict" in responses["409"]["description"]


def test_the_merchant_response_body_is_documented(schema):
    written = schema["paths"]["/api/v1/refunds/{id}/merchant-response/"]["post"]
    body = body_schema(schema, written["requestBody"]["content"])
    assert set(body["properties"]) == {"decision", "amount", "note"}
    assert body["required"] == ["decision"]
    assert body["additionalProperties"] is False
    assert enum_of(schema, body["properties"]["decision"]) == {"approve", "refuse"}
    assert body["properties"]["amount"]["type"] == "string"
    assert body["properties"]["amount"]["format"] == "decimal"
    assert body["properties"]["note"]["type"] == "string"
    assert body["properties"]["note"]["maxLength"] == 2000


def test_the_refund_status_includes_waiting_for_the_merchant(schema):
    status = schema["components"]["schemas"]["Refund"]["properties"]["status"]
    assert "awaiting_merchant" in enum_of(schema, status)


def test_the_decision_source_includes_the_merchant(schema):
    decision = schema["components"]["schemas"]["Refund"]["properties"]["decision"]
    source = resolve(schema, decision["allOf"][0]["$ref"])["properties"]["source"]
    assert enum_of(schema, source) == {"auto", "agent", "merchant"}


def test_the_decide_body_takes_an_optional_liability(schema):
    written = schema["paths"]["/api/v1/refunds/{id}/decide/"]["post"]
    body = body_schema(schema, written["requestBody"]["content"])
    assert "liability" in body["properties"]
    assert "liability" not in body.get("required", [])
    assert enum_of(schema, body["properties"]["liability"]) == {"merchant", "courier", "platform"}


def test_fields_only_staff_read_are_not_required(schema):
    """Customers and merchants get a request without them: a client
    generated from the schema must not expect them."""
    refund = schema["components"]["schemas"]["Refund"]
    staff_only = {"risk", "assignee", "liability"}
    assert staff_only <= set(refund["properties"])
    assert not staff_only & set(refund["required"])
    assert enum_of(schema, refund["properties"]["liability"]) == {
        "",
        "merchant",
        "courier",
        "platform",
    }


def test_the_docs_render_without_a_cdn(api):
    response = api.get(DOCS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for host in CDN_HOSTS:
        assert host not in html, host
    # The start-up script is served as a file (no inline script under the CSP)
    # and points Swagger UI at the portal's own schema.
    assert '<script src="/api/docs/?script="' in html
    assert "<script>" not in html
    script = api.get(DOCS, {"script": ""})
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_the_docs_assets_are_served_by_the_portal(api):
    html = api.get(DOCS).content.decode()
    assets = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))
    assert any(a.endswith(".js") for a in assets)
    assert any(a.endswith(".css") for a in assets)
    for asset in assets:
        response = api.get(asset)
        assert response.status_code == 200, asset
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert content


def test_the_docs_assets_load_nothing_from_a_cdn_either(api):
    html = api.get(DOCS).content.decode()
    for asset in re.findall(r'src="(/static/[^"]+\.js)"', html):
        response = api.get(asset)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        text = content.decode("utf-8", "replace")
        for host in ("cdn.jsdelivr", "unpkg.com", "cdnjs.cloudflare"):
            assert f"https://{host}" not in text, (asset, host)


def test_the_schema_generates_without_warnings(tmp_path):
    """A warning means a view or field whose shape the schema had to guess."""
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.read_text().startswith("openapi: 3.")
