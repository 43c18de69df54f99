"""What a client generated from /api/schema/ relies on: each operation's
body and answers declared with the content types it really takes and
sends, filters declared, enums named once, and one operation-id scheme."""

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}
UPLOAD = ("/api/v1/evidence/", "post")


@pytest.fixture
def schema(api: Any) -> dict[str, Any]:
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


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
