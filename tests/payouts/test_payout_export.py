"""GET /api/v1/payouts/export/: one format, CSV in UTF-8 with a BOM,
whatever the caller asks for; its errors answer the JSON error envelope."""

import pytest

from tests.conftest import client_as
from tests.factories import UserFactory

EXPORT = "/api/v1/payouts/export/"
ALIPAY = [{"method": "alipay", "amount": "24.00", "account": "alipay:ok"}]


@pytest.fixture
def finance(db):
    return client_as(UserFactory(role="finance"))


@pytest.mark.parametrize(
    "query, accept",
    [({}, "*/*"), ({"format": "json"}, "*/*"), ({}, "application/json")],
    ids=["plain", "format-json", "accept-json"],
)
def test_the_export_is_always_csv_with_a_bom(finance, approve_on_placed_order, query, accept):
    refund = approve_on_placed_order(ALIPAY)

    response = finance.get(EXPORT, query, HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,refund,order,")
    assert lines[1].split(",")[1] == str(refund.pk)


def test_an_export_error_is_the_json_envelope(finance):
    response = finance.get(EXPORT, {"from": "yesterday"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "validation_error"
    assert "from" in response.json()["fields"]


def test_an_export_refused_to_a_manager_is_the_json_envelope(db):
    response = client_as(UserFactory(role="manager")).get(EXPORT)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "forbidden"
