"""The permission matrix: every role against every endpoint.

A row per endpoint, a column per caller; the expected status is what the
caller gets for an otherwise valid request. A later endpoint is one more row.
Anonymous callers get 401 ``not_authenticated``, wrong roles 403
``forbidden``. The customer acts on their own order; a row's ``given``
prepares it first (a photo, a request under review, a rejection).
"""

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import roles
from orders.models import Order
from orders.services import order_event_add
from refunds.evidence import process_photo
from refunds.models import Evidence, RefundRequest, TimelineEvent
from refunds.services import evidence_store, refund_file
from tests.conftest import client_as
from tests.factories import (
    OrderPayloadFactory,
    UserFactory,
    create_order,
    photo_bytes,
    photo_upload,
)

CALLERS = (*roles.ROLES, "no_role", "superuser", "anonymous")
STAFF = ("agent", "senior_agent", "finance", "manager")


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Any  # (order) -> str
    body: Any = None  # (order) -> dict, or None
    allowed: dict[str, int] | None = None  # caller -> success status; all others 403
    given: Any = None  # (order) -> None: what the row needs before the call
    format: str = "json"

    def expected(self, caller: str) -> int:
        if caller == "anonymous":
            return 401
        return (self.allowed or {}).get(caller, 403)


def only(status: int, *callers: str) -> dict[str, int]:
    return dict.fromkeys((*callers, "superuser"), status)


def _photo(order: Order) -> None:
    data = photo_bytes(1)
    evidence_store(owner=order.customer, photo=process_photo(io.BytesIO(data), len(data)))


def _under_review(order: Order) -> None:
    order_event_add(order=order, status="accepted", at=order.placed_at + timedelta(minutes=5))
    refund_file(customer=order.customer, order_number=order.number, reason="other")


def _rejected(order: Order) -> None:
    # A change of mind once the rider has the food: rejected at once (rule 14).
    order_event_add(order=order, status="picked_up", at=order.placed_at + timedelta(minutes=5))
    refund_file(customer=order.customer, order_number=order.number, reason="changed_mind")


def _refund(action: str = "") -> Any:
    def path(order: Order) -> str:
        refund = RefundRequest.objects.get(order=order)
        return f"/api/v1/refunds/{refund.pk}/{action + '/' if action else ''}"

    return path


def _refund_body(order: Order) -> dict[str, Any]:
    return {"order": order.number, "reason": "other"}


# A superuser holds the customer role too, but the order is not theirs:
# filing or previewing on it is a validation error, not a permission one.
FILING = {**only(201, "customer"), "superuser": 400}


# Nor may they cancel, appeal or rate another customer's request: to them it
# does not exist, as it does not to any other customer.
def own_request(status: int) -> dict[str, int]:
    return {**only(status, "customer"), "superuser": 404}


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
    Endpoint(
        "upload evidence",
        "post",
        lambda order: "/api/v1/evidence/",
        lambda order: {"file": photo_upload(1)},
        only(201, "customer"),
        format="multipart",
    ),
    Endpoint(
        "download evidence",
        "get",
        lambda order: f"/api/v1/evidence/{Evidence.objects.get(owner=order.customer).pk}/file/",
        None,
        only(200, "customer", *STAFF),
        given=_photo,
    ),
    Endpoint("file refund", "post", lambda order: "/api/v1/refunds/", _refund_body, FILING),
    Endpoint(
        "preview refund",
        "post",
        lambda order: "/api/v1/refunds/preview/",
        _refund_body,
        {**FILING, "customer": 200},
    ),
    Endpoint(
        "list refunds",
        "get",
        lambda order: "/api/v1/refunds/",
        None,
        only(200, "customer", *STAFF),
        given=_under_review,
    ),
    Endpoint(
        "read refund", "get", _refund(), None, only(200, "customer", *STAFF), given=_under_review
    ),
    Endpoint(
        "cancel refund", "post", _refund("cancel"), None, own_request(200), given=_under_review
    ),
    Endpoint(
        "appeal refund",
        "post",
        _refund("appeal"),
        lambda order: {"reason": "请再看看"},
        own_request(200),
        given=_rejected,
    ),
    Endpoint(
        "refund feedback",
        "post",
        _refund("feedback"),
        lambda order: {"rating": 4},
        own_request(201),
        given=_rejected,
    ),
    Endpoint(
        "add refund note",
        "post",
        _refund("notes"),
        lambda order: {"note": "已联系商家核实"},
        only(201, *STAFF),
        given=_under_review,
    ),
]


def snapshot(order: Order) -> tuple[Any, ...]:
    """What a refused call must leave as it was."""
    order.refresh_from_db()
    return (
        order.status,
        Order.objects.count(),
        list(RefundRequest.objects.order_by("pk").values_list("status", "escalated")),
        Evidence.objects.count(),
        Evidence.objects.filter(request__isnull=False).count(),
        TimelineEvent.objects.count(),
    )


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
    if endpoint.given is not None:
        endpoint.given(order)
    before = snapshot(order)
    client = caller_client(caller, customer)
    kwargs: dict[str, Any] = {"format": endpoint.format}
    if endpoint.body is not None:
        kwargs["data"] = endpoint.body(order)

    response = getattr(client, endpoint.method)(endpoint.path(order), **kwargs)

    expected = endpoint.expected(caller)
    assert response.status_code == expected, response.content
    if not response["Content-Type"].startswith("application/json"):
        assert response["Content-Type"].startswith("image/")
        return
    body = response.json()
    if expected == 401:
        assert body["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Token")
    elif expected == 403:
        assert body["code"] == "forbidden"
    if expected >= 400:
        assert body["detail"]
        assert snapshot(order) == before
