"""The permission matrix: every role against every operation of the API
schema, in one table.

A row per operation, as ``/api/schema/`` names it (under ``/api/v1/``); a
column per caller: nobody, each role of ``accounts.roles``, a user with no
role, a superuser. A cell is the status the caller gets for an otherwise
valid call. The customer acts on their own order, photo, request or
payout; another customer's objects are ``test_object_permissions.py``'s
business. A new operation or a new role fails
``test_the_matrix_has_a_row_per_operation_and_a_column_per_role`` until the
table has its row or column.

Anonymous callers get 401 ``not_authenticated``, wrong roles 403
``forbidden``; a refused call changes nothing and shows nothing of the
object.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import roles
from refundportal import clock
from refundportal.months import Month
from tests.conftest import client_as
from tests.factories import PASSWORD, OrderPayloadFactory, UserFactory, photo_upload
from tests.scenes import (
    Scene,
    a_disputed_charge,
    a_failed_payout,
    a_merchant_charge,
    a_photo,
    a_rejected_request,
    a_request_awaiting_merchant,
    a_request_under_review,
    an_order,
    shows_none_of,
    snapshot,
)

PREFIX = "/api/v1/"
METHODS = ("get", "post", "put", "patch", "delete")
# The table's column headings and the callers they stand for.
COLUMNS = {
    "anon": "anonymous",
    "cust": roles.CUSTOMER,
    "agent": roles.AGENT,
    "senior": roles.SENIOR_AGENT,
    "fin": roles.FINANCE,
    "mgr": roles.MANAGER,
    "integ": roles.INTEGRATION,
    "norole": "no_role",
    "merch": roles.MERCHANT,
    "super": "superuser",
}

# A superuser holds every role, the customer's included, but the customer's
# objects are not theirs: filing or previewing on that order is a validation
# error (400), and cancelling, appealing or rating that request answers as
# for any other customer's request (404).
TABLE = """
                                 anon   cust  agent senior    fin    mgr  integ norole  merch  super
POST auth/token/                  200    200    200    200    200    200    200    200    200    200
POST auth/logout/                 401    204    204    204    204    204    204    204    204    204
POST orders/                      401    403    403    403    403    403    201    403    403    201
GET  orders/                      401    200    200    200    200    200    200    403    403    200
GET  orders/{number}/             401    200    200    200    200    200    200    403    403    200
POST orders/{number}/events/      401    403    403    403    403    403    201    403    403    201
POST evidence/                    401    201    403    403    403    403    403    403    403    201
GET  evidence/{id}/file/          401    200    200    200    200    200    403    403    404    200
POST refunds/                     401    201    403    403    403    403    403    403    403    400
POST refunds/preview/             401    200    403    403    403    403    403    403    403    400
GET  refunds/                     401    200    200    200    200    200    403    403    200    200
GET  refunds/{id}/                401    200    200    200    200    200    403    403    200    200
POST refunds/{id}/cancel/         401    200    403    403    403    403    403    403    403    404
POST refunds/{id}/appeal/         401    200    403    403    403    403    403    403    403    404
POST refunds/{id}/feedback/       401    201    403    403    403    403    403    403    403    404
POST refunds/{id}/claim/          401    403    200    200    403    403    403    403    403    200
POST refunds/{id}/decide/         401    403    200    200    403    403    403    403    403    200
POST refunds/{id}/notes/          401    403    201    201    201    201    403    403    403    201
GET  refunds/{id}/messages/       401    200    200    200    200    200    403    403    200    200
POST refunds/{id}/messages/       401    201    201    201    201    201    403    403    201    201
POST refunds/{id}/nudge/          401    200    403    403    403    403    403    403    403    404
POST refunds/{id}/merchant-response/ 401 403  403    403    403    403    403    403    200    403
GET  merchant/refunds/            401    403    403    403    403    403    403    403    200    403
GET  merchant/statement/          401    403    403    403    403    403    403    403    200    403
GET  merchant/statement/export/   401    403    403    403    403    403    403    403    200    403
POST refunds/{id}/dispute/        401    403    403    403    403    403    403    403    201    403
POST refunds/{id}/dispute/resolve/ 401   403    403    200    403    403    403    403    403    200
GET  disputes/                    401    403    403    200    403    403    403    403    403    200
GET  review-queue/                401    403    200    200    403    403    403    403    403    200
GET  payouts/                     401    403    403    403    200    200    403    403    403    200
GET  payouts/{id}/                401    403    403    403    200    200    403    403    403    200
POST payouts/{id}/retry/          401    403    403    403    202    403    403    403    403    202
POST payouts/{id}/reroute/        401    403    403    403    201    403    403    403    403    201
GET  payouts/export/              401    403    403    403    200    403    403    403    403    200
GET  gateways/sandbox/ledger/     401    403    403    403    200    403    403    403    403    200
GET  analytics/monthly/           401    403    403    403    403    200    403    403    403    200
"""


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as the schema spells it, with at most one {placeholder}

    @property
    def url_template(self) -> str:
        return PREFIX + self.path

    def url(self, key: str) -> str:
        start, _, rest = self.url_template.partition("{")
        return start + key + rest.partition("}")[2] if rest else start

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _parse(table: str) -> dict[Operation, dict[str, int]]:
    heading, *rows = [line.split() for line in table.strip().splitlines()]
    assert heading == list(COLUMNS), heading
    matrix = {}
    for method, path, *cells in rows:
        assert len(cells) == len(COLUMNS), (method, path)
        callers = [COLUMNS[column] for column in heading]
        matrix[Operation(method.lower(), path)] = dict(zip(callers, map(int, cells), strict=True))
    return matrix


MATRIX = _parse(TABLE)


@dataclass(frozen=True)
class Call:
    """How a row is called: the object it needs, and its body."""

    scene: Callable[[Any], Scene]
    body: Callable[[Scene], dict[str, Any]] | None = None
    format: str = "json"


def _this_month() -> str:
    return str(Month.of(clock.now()))


def _filing(scene: Scene) -> dict[str, Any]:
    return {"order": scene.order.number, "reason": "other"}


CALLS: dict[str, Call] = {
    "POST auth/token/": Call(
        an_order, lambda s: {"username": s.owner.get_username(), "password": PASSWORD}
    ),
    "POST auth/logout/": Call(an_order),
    "POST orders/": Call(an_order, lambda s: OrderPayloadFactory(customer=s.owner.username)),
    "GET orders/": Call(an_order),
    "GET orders/{number}/": Call(an_order),
    "POST orders/{number}/events/": Call(
        an_order,
        lambda s: {
            "status": "accepted",
            "at": (s.order.placed_at + timedelta(minutes=5)).isoformat(),
        },
    ),
    "POST evidence/": Call(an_order, lambda s: {"file": photo_upload(1)}, format="multipart"),
    "GET evidence/{id}/file/": Call(a_photo),
    "POST refunds/": Call(an_order, _filing),
    "POST refunds/preview/": Call(an_order, _filing),
    "GET refunds/": Call(a_request_under_review),
    "GET refunds/{id}/": Call(a_request_under_review),
    "POST refunds/{id}/cancel/": Call(a_request_under_review),
    "POST refunds/{id}/appeal/": Call(a_rejected_request, lambda s: {"reason": "请再看看"}),
    "POST refunds/{id}/feedback/": Call(a_rejected_request, lambda s: {"rating": 4}),
    "POST refunds/{id}/claim/": Call(a_request_under_review),
    "POST refunds/{id}/decide/": Call(
        a_request_under_review, lambda s: {"decision": "reject", "note": "照片看不出问题"}
    ),
    "POST refunds/{id}/notes/": Call(a_request_under_review, lambda s: {"note": "已联系商家核实"}),
    "GET refunds/{id}/messages/": Call(a_request_under_review),
    "POST refunds/{id}/messages/": Call(a_request_under_review, lambda s: {"body": "汤是凉的"}),
    "POST refunds/{id}/nudge/": Call(a_request_under_review),
    "POST refunds/{id}/merchant-response/": Call(
        a_request_awaiting_merchant, lambda s: {"decision": "approve"}
    ),
    "GET merchant/refunds/": Call(a_request_awaiting_merchant),
    "GET merchant/statement/": Call(a_merchant_charge, lambda s: {"month": _this_month()}),
    "GET merchant/statement/export/": Call(a_merchant_charge, lambda s: {"month": _this_month()}),
    "POST refunds/{id}/dispute/": Call(a_merchant_charge, lambda s: {"note": "顾客已取消订单"}),
    "POST refunds/{id}/dispute/resolve/": Call(
        a_disputed_charge,
        lambda s: {"decision": "move", "liability": "platform", "note": "平台承担"},
    ),
    "GET disputes/": Call(a_disputed_charge, lambda s: {"open": "true"}),
    "GET review-queue/": Call(a_request_under_review),
    "GET payouts/": Call(a_failed_payout),
    "GET payouts/{id}/": Call(a_failed_payout),
    "POST payouts/{id}/retry/": Call(a_failed_payout),
    "POST payouts/{id}/reroute/": Call(
        a_failed_payout, lambda s: {"method": "wallet", "note": "卡被拒，改退平台余额"}
    ),
    "GET payouts/export/": Call(a_failed_payout),
    "GET gateways/sandbox/ledger/": Call(a_failed_payout),
    "GET analytics/monthly/": Call(an_order),
}


def caller_client(caller: str, owner: Any, scene: Scene | None = None) -> APIClient:
    """An API client for ``caller``; "customer" is ``owner`` themself, and
    "merchant" works for the merchant of ``scene``'s order."""
    if caller == "anonymous":
        return APIClient()
    if caller == roles.CUSTOMER:
        return client_as(owner)
    if caller == roles.MERCHANT and scene is not None:
        staff = UserFactory(role=roles.MERCHANT)
        scene.order.merchant.members.add(staff)
        return client_as(staff)
    if caller == "superuser":
        return client_as(UserFactory(is_superuser=True, is_staff=True))
    return client_as(UserFactory(role=None if caller == "no_role" else caller))


def call(client: APIClient, operation: Operation, scene: Scene, *, method: str = "") -> Any:
    """``operation`` on ``scene``'s object; ``method`` tries another verb on
    its path, without the operation's body."""
    how = CALLS[str(operation)]
    method = method or operation.method
    kwargs: dict[str, Any] = {"format": how.format}
    if how.body is not None and method == operation.method:
        kwargs["data"] = how.body(scene)
    return getattr(client, method)(operation.url(scene.key), **kwargs)


def schema_operations(api: APIClient) -> set[Operation]:
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    return {
        Operation(method, path.removeprefix(PREFIX))
        for path, item in response.json()["paths"].items()
        for method in item
        if method in METHODS
    }


CELLS = [(operation, caller) for operation in MATRIX for caller in COLUMNS.values()]


@pytest.mark.django_db
def test_the_matrix_has_a_row_per_operation_and_a_column_per_role(api: APIClient) -> None:
    assert set(MATRIX) == schema_operations(api)
    assert set(CALLS) == {str(operation) for operation in MATRIX}
    assert set(roles.ROLES) <= set(COLUMNS.values())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("operation", "caller"), CELLS, ids=[f"{op}-{caller}".replace(" ", "-") for op, caller in CELLS]
)
def test_permission_matrix(operation: Operation, caller: str, customer: Any) -> None:
    scene = CALLS[str(operation)].scene(customer)
    client = caller_client(caller, customer, scene)
    before = snapshot()

    response = call(client, operation, scene)

    expected = MATRIX[operation][caller]
    assert response.status_code == expected, response.content
    if expected < 400:
        return
    body = response.json()
    assert body["detail"]
    if expected in (401, 403, 404):
        assert (
            body["code"] == {401: "not_authenticated", 403: "forbidden", 404: "not_found"}[expected]
        )
        shows_none_of(response, scene.secrets)
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Token")
    assert snapshot() == before
