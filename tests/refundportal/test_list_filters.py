"""Every list endpoint's filters: declared in the schema, and a bad value
always answers 400 ``validation_error`` naming the parameter (never
ignored, never an empty list)."""

from typing import Any

import pytest

from accounts import roles
from orders.models import Merchant
from tests.conftest import client_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# path, the role that reads it, {filter: a bad value}
LISTS = [
    ("/api/v1/orders/", roles.CUSTOMER, {"status": "lost"}),
    ("/api/v1/refunds/", roles.CUSTOMER, {"status": "lost", "reason": "bored"}),
    (
        "/api/v1/review-queue/",
        roles.SENIOR_AGENT,
        {"status": "approved", "reason": "bored", "escalated": "maybe"},
    ),
    (
        "/api/v1/payouts/",
        roles.FINANCE,
        {"status": "lost", "method": "cash", "from": "today", "to": "2026-13-01", "refund": "x"},
    ),
    (
        "/api/v1/payouts/export/",
        roles.FINANCE,
        {"status": "lost", "method": "cash", "from": "today", "to": "2026-13-01", "refund": "x"},
    ),
    ("/api/v1/merchant/refunds/", roles.MERCHANT, {"status": "lost", "reason": "bored"}),
    ("/api/v1/disputes/", roles.SENIOR_AGENT, {"open": "maybe"}),
]
DECLARED = {
    "/api/v1/orders/": {"status"},
    "/api/v1/refunds/": {"status", "reason", "order"},
    "/api/v1/review-queue/": {"status", "reason", "escalated", "assignee"},
    "/api/v1/payouts/": {"status", "method", "from", "to", "refund"},
    "/api/v1/payouts/export/": {"status", "method", "from", "to", "refund"},
    "/api/v1/gateways/sandbox/ledger/": {"idempotency_key"},
    "/api/v1/merchant/refunds/": {"status", "reason"},
    "/api/v1/disputes/": {"open"},
}


def reader(role: str) -> Any:
    user = UserFactory(role=role)
    if role == roles.MERCHANT:
        Merchant.objects.get_or_create(code="M001", defaults={"name": "老王川菜馆"})[0].members.add(
            user
        )
    return client_as(user)


@pytest.mark.parametrize(
    "path, role, bad", LISTS, ids=[path.strip("/").split("/", 2)[2] for path, _r, _b in LISTS]
)
def test_a_bad_filter_value_is_a_validation_error(path, role, bad):
    client = reader(role)
    assert client.get(path).status_code == 200
    for name, value in bad.items():
        response = client.get(path, {name: value})
        assert response.status_code == 400, (name, response.content[:300])
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert body["code"] == "validation_error"
        assert list(body["fields"]) == [name]


def test_every_list_declares_its_filters(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path, names in DECLARED.items():
        declared = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert names <= declared, (path, names - declared)


def test_a_blank_filter_is_no_filter(db):
    client = reader(roles.FINANCE)
    response = client.get("/api/v1/payouts/", {"status": "", "method": "", "from": ""})
    assert response.status_code == 200
