"""Object-level permissions of merchant users: one merchant against
another's requests, what a merchant never reads even on its own, and a
user who is both a customer and a merchant's staff.

A merchant user of 甲店 asks for 乙店's request on every operation that
names it: where merchants may use the operation (their cell in the
permission matrix is a success), the answer is 404 ``not_found``, as for
an id that does not exist; elsewhere 403 ``forbidden``, whoever owns the
object. A refused call changes nothing and shows nothing of it.
"""

import io
from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import roles
from orders.models import Merchant
from orders.services import order_event_add
from refundportal import clock
from refunds.evidence import process_photo
from refunds.models import RefundRequest
from refunds.services import evidence_store, refund_claim, refund_file, refund_note_add
from refunds.states import RefundStatus
from tests.conftest import client_as
from tests.factories import UserFactory, create_order, photo_bytes
from tests.scenes import shows_none_of, snapshot
from tests.test_permissions import CALLS, MATRIX, METHODS, Operation, call

pytestmark = pytest.mark.django_db

MISSING_ID = "999999"
MERCHANT_REFUNDS = "/api/v1/merchant/refunds/"
REFUNDS = "/api/v1/refunds/"
ORDERS = "/api/v1/orders/"
INTERNAL_NOTE = "内部备注：该顾客本月已退款五次"
OBJECT_OPERATIONS = [operation for operation in MATRIX if "{" in operation.path]


def merchants_may_use(operation: Operation) -> bool:
    return MATRIX[operation][roles.MERCHANT] < 400


def merchant_with_user(code: str, name: str) -> tuple[Merchant, Any]:
    merchant, _created = Merchant.objects.get_or_create(code=code, defaults={"name": name})
    user = UserFactory(role=roles.MERCHANT)
    merchant.members.add(user)
    return merchant, user


def accepted_order(customer: Any, merchant: Merchant) -> Any:
    order = create_order(customer=customer, merchant={"code": merchant.code, "name": merchant.name})
    order_event_add(order=order, status="accepted", at=order.placed_at + timedelta(minutes=5))
    return order


def photo_of(owner: Any, seed: int) -> int:
    data = photo_bytes(seed)
    return int(evidence_store(owner=owner, photo=process_photo(io.BytesIO(data), len(data))).pk)


def filed(customer: Any, order: Any, reason: str, description: str, **kwargs: Any) -> Any:
    return refund_file(
        customer=customer,
        order_number=order.number,
        reason=reason,
        description=description,
        **kwargs,
    ).request


class Shop:
    """乙店 (the owner of the objects) and 甲店 (the stranger), with one
    request of each kind at 乙店 and one at 甲店."""

    def __init__(self) -> None:
        self.a, self.a_user = merchant_with_user("MA01", "甲店")
        self.b, self.b_user = merchant_with_user("MB01", "乙店")
        # A new account: the request carries a risk flag.
        self.customer = UserFactory(role=roles.CUSTOMER, date_joined=clock.now())
        self.photo = photo_of(self.customer, 7)
        self.waiting = filed(
            self.customer,
            accepted_order(self.customer, self.b),
            "changed_mind",
            "乙店的秘密描述",
            evidence_ids=[self.photo],
        )
        assert self.waiting.status == RefundStatus.AWAITING_MERCHANT
        assert self.waiting.risk_flags
        self.agent = UserFactory(role=roles.AGENT)
        self.reviewed = filed(self.customer, accepted_order(self.customer, self.b), "other", "凉了")
        assert self.reviewed.status == RefundStatus.PENDING_REVIEW
        refund_claim(refund=self.reviewed, agent=self.agent)
        for refund in (self.waiting, self.reviewed):
            refund_note_add(refund=refund, author=self.agent, note=INTERNAL_NOTE)
        # The customer's order elsewhere, and another customer's request at 甲店.
        self.elsewhere = create_order(
            customer=self.customer, merchant={"code": "MC01", "name": "丙店"}
        )
        other = UserFactory(role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=90))
        self.at_a = filed(other, accepted_order(other, self.a), "changed_mind", "甲店的")
        assert self.at_a.status == RefundStatus.AWAITING_MERCHANT
        self.secrets = (
            self.waiting.order.number,
            self.customer.get_username(),
            self.waiting.description,
        )


@pytest.fixture
def shop() -> Shop:
    return Shop()


@pytest.fixture
def stranger(shop: Shop) -> APIClient:
    """A merchant user of 甲店."""
    return client_as(shop.a_user)


@pytest.fixture
def own(shop: Shop) -> APIClient:
    """A merchant user of 乙店."""
    return client_as(shop.b_user)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- One merchant against another's objects -------------------------------------


@pytest.mark.parametrize("operation", OBJECT_OPERATIONS, ids=str)
def test_another_merchants_object(operation: Operation) -> None:
    """Every operation of the matrix on an object: the scene's order is at the
    factories' merchant, with a user of its own; the caller works for another."""
    scene = CALLS[str(operation)].scene(UserFactory(role=roles.CUSTOMER))
    scene.order.merchant.members.add(UserFactory(role=roles.MERCHANT))
    _merchant, other = merchant_with_user("M999", "别家")
    before = snapshot()

    response = call(client_as(other), operation, scene)

    expected = 404 if merchants_may_use(operation) else MATRIX[operation][roles.MERCHANT]
    assert expected in (403, 404)
    assert response.status_code == expected, response.content
    assert response.json()["code"] == {403: "forbidden", 404: "not_found"}[expected]
    shows_none_of(response, scene.secrets)
    assert snapshot() == before


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "path", sorted({operation.path for operation in OBJECT_OPERATIONS}), ids=str
)
def test_another_merchants_object_answers_as_if_it_did_not_exist(path: str, method: str) -> None:
    declared = [operation for operation in OBJECT_OPERATIONS if operation.path == path]
    operation = next((o for o in declared if o.method == method), declared[0])
    scene = CALLS[str(operation)].scene(UserFactory(role=roles.CUSTOMER))
    scene.order.merchant.members.add(UserFactory(role=roles.MERCHANT))
    _merchant, other = merchant_with_user("M999", "别家")
    stranger = client_as(other)
    before = snapshot()
    missing = type(scene)(scene.owner, scene.order, MISSING_ID)

    theirs = call(stranger, operation, scene, method=method)
    absent = call(stranger, operation, missing, method=method)

    assert theirs.status_code == absent.status_code, theirs.content
    assert theirs.json()["code"] == absent.json()["code"]
    assert theirs.status_code in (403, 404, 405)
    shows_none_of(theirs, scene.secrets)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("get", "", None),
        ("get", "messages", None),
        ("post", "messages", {"body": "我们是甲店"}),
        ("post", "merchant-response", {"decision": "approve"}),
        ("post", "merchant-response", {"decision": "refuse", "note": "不退"}),
    ],
)
def test_a_merchant_cannot_reach_another_merchants_request(
    shop: Shop, stranger: APIClient, method: str, action: str, body: Any
) -> None:
    before = snapshot()
    for refund in (shop.waiting, shop.reviewed):
        url = f"{REFUNDS}{refund.pk}/{action + '/' if action else ''}"
        response = getattr(stranger, method)(url, body, format="json")
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "not_found"
        shows_none_of(response, shop.secrets)
    assert snapshot() == before
    waiting = RefundRequest.objects.get(pk=shop.waiting.pk)
    assert (waiting.status, waiting.merchant_decision) == ("awaiting_merchant", "")


def test_a_merchant_cannot_download_another_merchants_request_photo(
    shop: Shop, stranger: APIClient, own: APIClient
) -> None:
    url = f"/api/v1/evidence/{shop.photo}/file/"
    refused = stranger.get(url)
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert stranger.get(f"/api/v1/evidence/{MISSING_ID}/file/").status_code == 404
    served = own.get(url)
    assert served.status_code == 200
    assert served["Content-Type"].startswith("image/")


def test_a_merchants_lists_never_show_another_merchants_requests(
    shop: Shop, stranger: APIClient, own: APIClient
) -> None:
    assert ids(stranger.get(MERCHANT_REFUNDS)) == [shop.at_a.pk]
    assert ids(stranger.get(REFUNDS)) == [shop.at_a.pk]
    theirs = shop.waiting.order.number
    assert ids(stranger.get(REFUNDS, {"order": theirs})) == []
    assert ids(stranger.get(REFUNDS, {"status": "awaiting_merchant"})) == [shop.at_a.pk]
    assert sorted(ids(own.get(MERCHANT_REFUNDS))) == sorted([shop.waiting.pk, shop.reviewed.pk])


# --- What a merchant never reads, even on its own requests -----------------------


def test_a_merchant_never_sees_risk_assignee_liability_or_internal_notes(
    shop: Shop, own: APIClient
) -> None:
    listed = own.get(MERCHANT_REFUNDS).json()["results"]
    read = [own.get(f"{REFUNDS}{refund.pk}/").json() for refund in (shop.waiting, shop.reviewed)]
    for body in [*listed, *read]:
        assert not {"risk", "assignee", "liability"} & set(body), sorted(body)
        assert all(not step.get("internal") for step in body["timeline"])
    for refund in (shop.waiting, shop.reviewed):
        for path in ("", "messages/"):
            response = own.get(f"{REFUNDS}{refund.pk}/{path}")
            assert response.status_code == 200
            shows_none_of(
                response,
                (INTERNAL_NOTE, shop.agent.get_username(), *shop.waiting.risk_flags),
            )
    shows_none_of(own.get(MERCHANT_REFUNDS), (INTERNAL_NOTE, shop.agent.get_username()))


def test_a_merchant_cannot_read_the_customers_orders(shop: Shop, own: APIClient) -> None:
    before = snapshot()
    for url in (
        ORDERS,
        f"{ORDERS}{shop.waiting.order.number}/",
        f"{ORDERS}{shop.elsewhere.number}/",
        f"{ORDERS}?customer={shop.customer.get_username()}",
    ):
        response = own.get(url)
        assert response.status_code == 403, (url, response.content)
        assert response.json()["code"] == "forbidden"
        shows_none_of(response, (shop.elsewhere.number, shop.customer.get_username()))
    assert snapshot() == before


def test_a_merchants_staff_roles_do_not_widen_its_merchant_list(shop: Shop) -> None:
    """An agent who also answers for 甲店 reviews every request, but the
    merchant's list and answer are 甲店's only."""
    shop.a_user.groups.add(*UserFactory(role=roles.AGENT).groups.all())
    both = client_as(shop.a_user)
    assert ids(both.get(MERCHANT_REFUNDS)) == [shop.at_a.pk]
    response = both.post(
        f"{REFUNDS}{shop.waiting.pk}/merchant-response/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 404
    assert RefundRequest.objects.get(pk=shop.waiting.pk).status == "awaiting_merchant"


# --- A customer who also works for a merchant ------------------------------------


@pytest.fixture
def dual(shop: Shop) -> Any:
    """乙店's second user, who also orders as a customer, at 甲店 (which
    has two users of its own)."""
    user = UserFactory(role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=90))
    user.groups.add(*UserFactory(role=roles.MERCHANT).groups.all())
    shop.b.members.add(user)
    shop.a.members.add(UserFactory(role=roles.MERCHANT))
    user.own_request = filed(user, accepted_order(user, shop.a), "other", "我自己的")
    return user


def test_a_customer_and_merchant_reads_their_own_and_their_merchants_requests_once(
    shop: Shop, dual: Any
) -> None:
    client = client_as(dual)
    mine = sorted([dual.own_request.pk, shop.waiting.pk, shop.reviewed.pk])
    for refund_id in mine:
        response = client.get(f"{REFUNDS}{refund_id}/")
        assert response.status_code == 200, response.content
        assert not {"risk", "assignee", "liability"} & set(response.json())
    assert client.get(f"{REFUNDS}{shop.at_a.pk}/").status_code == 404
    listed = client.get(REFUNDS, {"page_size": 50})
    assert sorted(ids(listed)) == mine
    assert listed.json()["count"] == len(mine)
    assert sorted(ids(client.get(MERCHANT_REFUNDS))) == sorted([shop.waiting.pk, shop.reviewed.pk])


def test_a_customer_and_merchant_answers_only_for_their_merchant(shop: Shop, dual: Any) -> None:
    client = client_as(dual)
    before = snapshot()
    # Their own request, at a merchant they do not work for, and 甲店's.
    for refund in (dual.own_request, shop.at_a):
        response = client.post(
            f"{REFUNDS}{refund.pk}/merchant-response/", {"decision": "approve"}, format="json"
        )
        assert response.status_code == 404, response.content
    # The customer's actions on 乙店's requests: not theirs.
    for action in ("cancel", "nudge"):
        response = client.post(f"{REFUNDS}{shop.waiting.pk}/{action}/")
        assert response.status_code == 404, (action, response.content)
    assert snapshot() == before
    answered = client.post(
        f"{REFUNDS}{shop.waiting.pk}/merchant-response/",
        {"decision": "refuse", "note": "菜已经做好了"},
        format="json",
    )
    assert answered.status_code == 200, answered.content


def test_a_customer_and_merchant_reads_only_their_own_orders(shop: Shop, dual: Any) -> None:
    client = client_as(dual)
    listed = client.get(ORDERS)
    assert listed.status_code == 200
    assert [row["number"] for row in listed.json()["results"]] == [dual.own_request.order.number]
    for number in (shop.waiting.order.number, shop.elsewhere.number):
        response = client.get(f"{ORDERS}{number}/")
        assert response.status_code == 404, response.content
