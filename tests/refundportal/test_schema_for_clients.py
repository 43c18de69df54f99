"""What a client generated from /api/schema/ relies on: each operation's
body and answers declared with the content types it really takes and
sends, filters declared, enums named once, and one operation-id scheme."""

import pytest

from tests.refundportal.schema_support import operations

pytestmark = pytest.mark.django_db

UPLOAD = ("/api/v1/evidence/", "post")


def test_every_body_but_the_upload_is_json_only(schema):
    bodies = {
        (path, method): sorted(op["requestBody"]["content"])
        for path, method, op in operations(schema)
        if "requestBody" in op
    }
    assert bodies.pop(UPLOAD) == ["multipart/form-data"]
    assert bodies and all(types == ["application/json"] for types in bodies.values()), bodies


def test_the_upload_body_is_required_and_holds_the_file(schema):
    body = schema["paths"]["/api/v1/evidence/"]["post"]["requestBody"]
    assert body["required"] is True
    media = body["content"]["multipart/form-data"]["schema"]
    if "$ref" in media:
        media = schema["components"]["schemas"][media["$ref"].split("/")[-1]]
    assert media["required"] == ["file"]
    assert media["properties"]["file"]["format"] == "binary"


def test_the_photo_download_declares_binary_images(schema):
    content = schema["paths"]["/api/v1/evidence/{id}/file/"]["get"]["responses"]["200"]["content"]
    assert sorted(content) == ["image/jpeg", "image/png", "image/webp"]
    assert all(c["schema"] == {"type": "string", "format": "binary"} for c in content.values())


@pytest.mark.parametrize("path", ["/api/v1/payouts/export/", "/api/v1/merchant/statement/export/"])
def test_an_export_is_csv_and_its_errors_json(schema, path):
    operation = schema["paths"][path]["get"]
    responses = operation["responses"]
    assert list(responses["200"]["content"]) == ["text/csv"]
    errors = {code: list(r["content"]) for code, r in responses.items() if code.startswith("4")}
    assert errors and all(types == ["application/json"] for types in errors.values()), errors
    assert "format" not in {p["name"] for p in operation.get("parameters", [])}


def test_the_schema_is_english_whatever_the_callers_language(api):
    english = api.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en").content
    api.cookies["django_language"] = "zh-hans"
    chinese = api.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.content == english
    text = chinese.content.decode("unicode_escape")
    assert "状态" not in text and "待处理" not in text


NAMED_ENUMS = {
    "RefundStatus": [("Refund", "status"), ("refunds_list", "status")],
    "Reason": [("Refund", "reason"), ("RefundCreateRequest", "reason"), ("refunds_list", "reason")],
    "PayoutStatus": [("Payout", "status"), ("payouts_list", "status")],
    "TenderMethod": [
        ("Payout", "method"),
        ("TenderInRequest", "method"),
        ("payouts_list", "method"),
    ],
    "OrderStatus": [("Order", "status"), ("orders_list", "status")],
    "DiscountKind": [("DiscountInRequest", "kind")],
}


def test_enums_are_named_once_and_reused_by_query_parameters(schema):
    components = schema["components"]["schemas"]
    by_id = {op["operationId"]: op for _p, _m, op in operations(schema)}
    for name, uses in NAMED_ENUMS.items():
        assert "enum" in components[name], name
        ref = {"$ref": f"#/components/schemas/{name}"}
        for owner, field in uses:
            if owner in components:
                prop = components[owner]["properties"][field]
                assert ref in [prop, *prop.get("allOf", []), *prop.get("oneOf", [])], (owner, prop)
            else:
                (parameter,) = [p for p in by_id[owner]["parameters"] if p["name"] == field]
                assert parameter["schema"] == ref, (owner, parameter)


def test_no_component_has_a_generated_name(schema):
    generated = [
        name
        for name in schema["components"]["schemas"]
        if name.endswith("Enum") or name.endswith("RequestRequest")
    ]
    assert generated == []
    assert "TokenRequest" in schema["components"]["schemas"]


def test_operation_ids_are_the_path_then_the_action(schema):
    ids = {(path, method): op["operationId"] for path, method, op in operations(schema)}
    assert ids[("/api/v1/refunds/", "get")] == "refunds_list"
    assert ids[("/api/v1/refunds/{id}/claim/", "post")] == "refunds_claim_create"
    assert ids[("/api/v1/analytics/monthly/", "get")] == "analytics_monthly_retrieve"
    assert ids[("/api/v1/auth/token/", "post")] == "auth_token_create"
    for (path, _method), operation_id in ids.items():
        stem = path.removeprefix("/api/v1/").split("/")[0].replace("-", "_")
        assert operation_id.startswith(stem + "_"), (path, operation_id)


def test_a_decision_rule_is_nullable(schema):
    rule = schema["components"]["schemas"]["Decision"]["properties"]["rule"]
    assert rule.get("nullable") is True


@pytest.mark.parametrize(
    "component, field",
    [
        ("Order", "delivered_at"),
        ("Order", "status"),
        ("Payout", "gateway_reference"),
        ("Attempt", "finished_at"),
        ("Refund", "approved_amount"),
        ("PaginatedRefundList", "next"),
        ("Ledger", "reference"),
    ],
)
def test_fields_always_sent_are_required(schema, component, field):
    assert field in schema["components"]["schemas"][component]["required"]


def test_no_request_body_is_described_as_the_strict_base_class(schema):
    descriptions = [c.get("description", "") for c in schema["components"]["schemas"].values()]
    assert not [d for d in descriptions if "refuses fields it does not know" in d]
