"""The permission matrix: every role against every endpoint.

A row per endpoint, a column per caller; the expected status is what the
caller gets for an otherwise valid request. A later endpoint is one more row.
Anonymous callers get 401 ``not_authenticated``, wrong roles 403
``forbidden``. The customer acts on their own order.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import roles
from orders.models import Order
from tests.conftest import client_as
from tests.factories import OrderPayloadFactory, UserFactory, create_order

CALLERS = (*roles.ROLES, "no_role", "superuser", "anonymous")
STAFF = ("agent", "senior_agent", "finance", "manager")


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Any  # (order) -> str
    body: Any = None  # (order) -> dict, or None
    allowed: dict[str, int] | None = None  # caller -> success status; all others 403

    def expected(self, caller: str) -> int:
        if caller == "anonymous":
            return 401
        return (self.allowed or {}).get(caller, 403)


def only(status: int, *callers: str) -> dict[str, int]:
    return dict.fromkeys((*callers, "superuser"), status)


ENDPOINTS = [
    Endpoint(
        "create order",
        "post",
        lambda order: "/api/v1/orders/",
        lambda order: OrderPayloadFactory(customer=order.customer.username),
        only(201, "integration"),
    ),
    Endpoint(
        "delivery event",
        "post",
        lambda order: f"/api/v1/orders/{order.number}/events/",
        lambda order: {
            "status": "accepted",
            "at": (order.placed_at + timedelta(minutes=5)).isoformat(),
        },
        only(201, "integration"),
    ),
    Endpoint(
        "list orders",
        "get",
        lambda order: "/api/v1/orders/",
        None,
        only(200, "customer", *STAFF, "integration"),
    ),
    Endpoint(
        "read order",
        "get",
        lambda order: f"/api/v1/orders/{order.number}/",
        None,
        only(200, "customer", *STAFF, "integration"),
    ),
]


def caller_client(caller: str, customer: Any) -> APIClient:
    if caller == "anonymous":
        return APIClient()
    if caller == "customer":
        return client_as(customer)
    if caller == "superuser":
        return client_as(UserFactory(is_superuser=True, is_staff=True))
    return client_as(UserFactory(role=None if caller == "no_role" else caller))


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name.replace(" ", "-"))
def test_permission_matrix(endpoint: Endpoint, caller: str, customer: Any) -> None:
    order: Order = create_order(customer=customer)
    client = caller_client(caller, customer)
    kwargs: dict[str, Any] = {"format": "json"}
    if endpoint.body is not None:
        kwargs["data"] = endpoint.body(order)

    response = getattr(client, endpoint.method)(endpoint.path(order), **kwargs)

    expected = endpoint.expected(caller)
    assert response.status_code == expected, response.content
    body = response.json()
    if expected == 401:
        assert body["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Token")
    elif expected == 403:
        assert body["code"] == "forbidden"
    if expected >= 400:
        assert body["detail"]
        order.refresh_from_db()
        assert order.status == "placed"
        assert Order.objects.count() == 1
