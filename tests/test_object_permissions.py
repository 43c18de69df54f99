"""Object-level permissions, generated from one table.

Every operation of the OpenAPI schema must have permission rows: in the
role matrix of ``test_permissions.py``, in ``OBJECT_ROWS`` or ``LIST_ROWS``
here, or named public. A new endpoint without rows fails
``test_every_api_operation_has_permission_rows``.

For an endpoint that names an object in its path, the object belongs to one
customer (the owner) and every caller is tried on it: another customer gets
404 ``not_found`` where customers may use the endpoint at all (never 403,
never the data), and the same answer as for an id that does not exist, for
every method; a role that may not use the endpoint gets 403 ``forbidden``
(customers included, whoever owns the object, so that 403 says nothing
about it); anonymous callers 401. A refused call changes nothing.
Adding an endpoint is one row.
"""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles
from orders.models import Order
from orders.services import order_event_add
from payouts.models import Payout
from payouts.states import PayoutStatus
from refunds.evidence import process_photo
from refunds.models import Evidence, Feedback, RefundRequest, TimelineEvent
from refunds.services import evidence_store, payout_attempt, refund_file
from refunds.states import RefundStatus
from tests.conftest import client_as
from tests.factories import UserFactory, create_order, photo_bytes
from tests.test_permissions import ENDPOINTS as ROLE_MATRIX

METHODS = ("get", "post", "put", "patch", "delete")
STAFF = ("agent", "senior_agent", "finance", "manager")
# The callers tried on every object: its owner, another customer, each
# other role, a user with no role, a superuser and nobody.
CALLERS = (
    "owner",
    "other_customer",
    *STAFF,
    "integration",
    "no_role",
    "superuser",
    "anonymous",
)
# Operations anyone may call.
PUBLIC = {("post", "/api/v1/auth/token/")}
MISSING_ID = "999999"


@dataclass
class Scene:
    """The object a row acts on, and the customer who owns it."""

    owner: AbstractBaseUser
    key: str  # what goes in the path: an order number or an id
    secrets: tuple[str, ...] = ()  # what another customer must never read


def _order(owner: AbstractBaseUser) -> Order:
    return create_order(customer=owner)


def an_order(owner: AbstractBaseUser) -> Scene:
    order = _order(owner)
    return Scene(owner, order.number, (order.number, owner.get_username()))


def a_photo(owner: AbstractBaseUser) -> Scene:
    data = photo_bytes(3)
    evidence = evidence_store(owner=owner, photo=process_photo(io.BytesIO(data), len(data)))
    return Scene(owner, str(evidence.pk), (evidence.sha256,))


def _refund_scene(refund: RefundRequest) -> Scene:
    return Scene(
        refund.customer,
        str(refund.pk),
        (refund.order.number, refund.customer.get_username(), refund.description),
    )


def a_request_under_review(owner: AbstractBaseUser) -> Scene:
    order = _order(owner)
    order_event_add(order=order, status="accepted", at=order.placed_at + timedelta(minutes=5))
    refund = refund_file(
        customer=owner, order_number=order.number, reason="other", description="汤是凉的"
    )
    assert refund.status == RefundStatus.PENDING_REVIEW
    return _refund_scene(refund)


def a_rejected_request(owner: AbstractBaseUser) -> Scene:
    # A change of mind once the rider has the food: rejected at once.
    order = _order(owner)
    order_event_add(order=order, status="picked_up", at=order.placed_at + timedelta(minutes=5))
    refund = refund_file(
        customer=owner, order_number=order.number, reason="changed_mind", description="不想要了"
    )
    assert refund.status == RefundStatus.REJECTED
    return _refund_scene(refund)


def a_failed_payout(owner: AbstractBaseUser) -> Scene:
    # Not yet accepted by the merchant: approved at once; the card is declined.
    order = create_order(
        customer=owner,
        tenders=[{"method": "card", "amount": "24.00", "account": "card:6222****decline"}],
    )
    refund = refund_file(customer=owner, order_number=order.number, reason="other")
    payout = Payout.objects.get(refund=refund)
    payout_attempt(payout_id=payout.pk)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.FAILED
    return Scene(owner, str(payout.pk), (order.number, payout.idempotency_key))


def allow(status: int, *callers: str, superuser: int | None = None) -> dict[str, int]:
    """Who may act and what they get; the superuser gets ``status`` too
    unless told otherwise."""
    return {**dict.fromkeys(callers, status), "superuser": superuser or status}


@dataclass(frozen=True)
class ObjectRow:
    method: str
    path: str  # as the schema spells it, with one {placeholder}
    scene: Callable[[AbstractBaseUser], Scene]
    allowed: dict[str, int]  # caller -> success status
    body: Callable[[], dict[str, Any]] | None = None  # made at call time

    @property
    def customers_may_use(self) -> bool:
        return "owner" in self.allowed

    def url(self, key: str) -> str:
        return re.sub(r"\{[^}]+\}", key, self.path)

    def expected(self, caller: str) -> int:
        if caller in self.allowed:
            return self.allowed[caller]
        if caller == "anonymous":
            return 401
        if caller == "other_customer" and self.customers_may_use:
            return 404
        return 403

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


# A user who holds the customer role besides a staff one (a superuser holds
# every role) acts as a customer on their own requests only: 404 otherwise.
OWN_ONLY = 404

OBJECT_ROWS = [
    ObjectRow(
        "get",
        "/api/v1/orders/{number}/",
        an_order,
        allow(200, "owner", *STAFF, "integration"),
    ),
    ObjectRow(
        "post",
        "/api/v1/orders/{number}/events/",
        an_order,
        allow(201, "integration"),
        lambda: {"status": "accepted", "at": timezone.now().isoformat()},
    ),
    ObjectRow("get", "/api/v1/evidence/{id}/file/", a_photo, allow(200, "owner", *STAFF)),
    ObjectRow("get", "/api/v1/refunds/{id}/", a_request_under_review, allow(200, "owner", *STAFF)),
    ObjectRow(
        "post",
        "/api/v1/refunds/{id}/cancel/",
        a_request_under_review,
        allow(200, "owner", superuser=OWN_ONLY),
    ),
    ObjectRow(
        "post",
        "/api/v1/refunds/{id}/appeal/",
        a_rejected_request,
        allow(200, "owner", superuser=OWN_ONLY),
        lambda: {"reason": "骑手还没取餐我就取消了"},
    ),
    ObjectRow(
        "post",
        "/api/v1/refunds/{id}/feedback/",
        a_rejected_request,
        allow(201, "owner", superuser=OWN_ONLY),
        lambda: {"rating": 2, "comment": "不满意"},
    ),
    ObjectRow(
        "post",
        "/api/v1/refunds/{id}/claim/",
        a_request_under_review,
        allow(200, "agent", "senior_agent"),
    ),
    ObjectRow(
        "post",
        "/api/v1/refunds/{id}/decide/",
        a_request_under_review,
        allow(200, "agent", "senior_agent"),
        lambda: {"decision": "reject", "note": "照片看不出问题"},
    ),
    # Staff only: a customer gets 403 on any request, their own included.
    ObjectRow(
        "post",
        "/api/v1/refunds/{id}/notes/",
        a_request_under_review,
        allow(201, *STAFF),
        lambda: {"note": "顾客来电催促，已安抚"},
    ),
    ObjectRow("get", "/api/v1/payouts/{id}/", a_failed_payout, allow(200, "finance", "manager")),
    ObjectRow("post", "/api/v1/payouts/{id}/retry/", a_failed_payout, allow(202, "finance")),
    ObjectRow(
        "post",
        "/api/v1/payouts/{id}/reroute/",
        a_failed_payout,
        allow(201, "finance"),
        lambda: {"method": "wallet", "note": "卡被拒，改退平台余额"},
    ),
]


@dataclass(frozen=True)
class ListRow:
    """An endpoint without an object that the role matrix of
    ``test_permissions.py`` does not hold."""

    method: str
    path: str
    allowed: dict[str, int] = field(default_factory=dict)

    def expected(self, caller: str) -> int:
        if caller == "anonymous":
            return 401
        return self.allowed.get(caller, 403)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


LIST_ROWS = [
    ListRow("get", "/api/v1/review-queue/", allow(200, "agent", "senior_agent")),
    ListRow("get", "/api/v1/payouts/", allow(200, "finance", "manager")),
    ListRow("get", "/api/v1/payouts/export/", allow(200, "finance")),
    ListRow("get", "/api/v1/gateways/sandbox/ledger/", allow(200, "finance")),
    ListRow("get", "/api/v1/analytics/monthly/", allow(200, "manager")),
]


def caller_client(caller: str, owner: AbstractBaseUser) -> APIClient:
    if caller == "anonymous":
        return APIClient()
    if caller == "owner":
        return client_as(owner)
    if caller == "other_customer":
        return client_as(UserFactory(role=roles.CUSTOMER))
    if caller == "superuser":
        return client_as(UserFactory(is_superuser=True, is_staff=True))
    return client_as(UserFactory(role=None if caller == "no_role" else caller))


def snapshot() -> tuple[Any, ...]:
    """What a refused call must leave as it was."""
    return (
        list(Order.objects.order_by("pk").values_list("status", flat=True)),
        list(RefundRequest.objects.order_by("pk").values_list("status", "escalated", "assignee")),
        list(Payout.objects.order_by("pk").values_list("status", "attempts", "closed")),
        Evidence.objects.count(),
        Feedback.objects.count(),
        TimelineEvent.objects.count(),
    )


def call(
    client: APIClient, method: str, url: str, body: Callable[[], dict[str, Any]] | None
) -> Any:
    kwargs: dict[str, Any] = {"format": "json"}
    if body is not None:
        kwargs["data"] = body()
    return getattr(client, method)(url, **kwargs)


def shows_none_of(response: Any, secrets: tuple[str, ...]) -> None:
    text = response.content.decode("utf-8", "replace")
    for secret in secrets:
        assert secret not in text, f"the answer shows {secret!r}"


# --- Every operation has permission rows -------------------------------------------


def _schema_operations(api: APIClient) -> set[tuple[str, str]]:
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    return {(method, path) for path, item in paths.items() for method in item if method in METHODS}


def _template_of(path: str, templates: set[str]) -> str | None:
    """The schema path a concrete path is an instance of: a literal match
    first (``refunds/preview/`` is not ``refunds/{id}/``), then a pattern."""
    if path in templates:
        return path
    for template in sorted(templates):
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template
    return None


@pytest.mark.django_db
def test_every_api_operation_has_permission_rows(api: APIClient) -> None:
    operations = _schema_operations(api)
    templates = {path for _, path in operations}
    in_matrix = set()
    for endpoint in ROLE_MATRIX:
        order = create_order(customer=UserFactory(role=roles.CUSTOMER))
        if endpoint.given is not None:
            endpoint.given(order)
        template = _template_of(endpoint.path(order), templates)
        assert template is not None, f"{endpoint.name}: not in the schema"
        in_matrix.add((endpoint.method, template))
    here = {(row.method, row.path) for row in [*OBJECT_ROWS, *LIST_ROWS]}

    assert here - operations == set(), "rows for operations the schema does not have"
    without_rows = operations - in_matrix - here - PUBLIC
    assert without_rows == set(), (
        "operations without permission rows: add them to tests/test_permissions.py "
        "or to OBJECT_ROWS / LIST_ROWS here"
    )


def test_every_operation_with_an_object_in_its_path_has_an_object_row() -> None:
    # Checked against the rows themselves so that it runs without a database:
    # a path with a placeholder in LIST_ROWS would dodge the owner checks.
    assert [row for row in LIST_ROWS if "{" in row.path] == []
    assert all(row.path.count("{") == 1 for row in OBJECT_ROWS)


# --- Objects: the owner, other customers, other roles, nobody ----------------------


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("row", OBJECT_ROWS, ids=str)
def test_object_permissions(row: ObjectRow, caller: str) -> None:
    scene = row.scene(UserFactory(role=roles.CUSTOMER))
    before = snapshot()
    client = caller_client(caller, scene.owner)

    response = call(client, row.method, row.url(scene.key), row.body)

    expected = row.expected(caller)
    assert response.status_code == expected, response.content
    if expected < 400:
        return
    body = response.json()
    assert body["code"] == {401: "not_authenticated", 403: "forbidden", 404: "not_found"}[expected]
    assert body["detail"]
    shows_none_of(response, scene.secrets)
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "path", sorted({row.path for row in OBJECT_ROWS}), ids=lambda p: p.removeprefix("/api/v1/")
)
def test_another_customers_object_answers_as_if_it_did_not_exist(path: str, method: str) -> None:
    """Whatever the method: the same status and code as for a missing id, and
    none of the object's data."""
    row = next(r for r in OBJECT_ROWS if r.path == path)
    scene = row.scene(UserFactory(role=roles.CUSTOMER))
    before = snapshot()
    stranger = client_as(UserFactory(role=roles.CUSTOMER))
    body = next((r.body for r in OBJECT_ROWS if r.path == path and r.method == method), None)

    theirs = call(stranger, method, row.url(scene.key), body)
    missing = call(stranger, method, row.url(MISSING_ID), body)

    assert theirs.status_code == missing.status_code, theirs.content
    assert theirs.json()["code"] == missing.json()["code"]
    assert theirs.status_code in (403, 404, 405)
    declared = any(r.path == path and r.method == method for r in OBJECT_ROWS)
    if declared and row.customers_may_use:
        assert theirs.status_code == 404
    shows_none_of(theirs, scene.secrets)
    assert snapshot() == before


# --- Endpoints without an object that the role matrix does not hold ----------------


@pytest.mark.django_db
@pytest.mark.parametrize("caller", [c for c in CALLERS if c != "other_customer"])
@pytest.mark.parametrize("row", LIST_ROWS, ids=str)
def test_list_permissions(row: ListRow, caller: str) -> None:
    a_failed_payout(UserFactory(role=roles.CUSTOMER))
    client = caller_client(caller, UserFactory(role=roles.CUSTOMER))

    response = getattr(client, row.method)(row.path)

    expected = row.expected(caller)
    assert response.status_code == expected, response.content
    if expected >= 400:
        body = response.json()
        assert body["code"] == ("not_authenticated" if expected == 401 else "forbidden")
