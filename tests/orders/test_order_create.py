"""POST /api/v1/orders/: the ordering system pushes orders; the same number
with the same content is a retry, other content a conflict, and every bad
body a 400 with its field named."""

import copy
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from orders.models import DeliveryEvent, Order
from tests.conftest import client_as
from tests.factories import ItemFactory, OrderPayloadFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def post(client: Any, payload: Any) -> Any:
    return client.post(URL, payload, format="json")


def field_errors(body: dict[str, Any], *path: str | int) -> Any:
    """The errors at ``path`` under ``fields``; list positions may be keyed by
    their index as a string or kept as a list."""
    node: Any = body["fields"]
    for step in path:
        if isinstance(node, list):
            node = node[int(step)]
        elif isinstance(node, dict) and str(step) in node:
            node = node[str(step)]
        else:
            node = node[step]
    return node


def assert_validation_error(response: Any, *path: str | int) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["detail"]
    errors = field_errors(body, *path)
    assert errors, body


# --- creation ---------------------------------------------------------------------


def test_integration_creates_order_with_refundable_amounts(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username)
    response = post(integration, payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == payload["number"]
    assert body["customer"] == customer.username
    assert body["status"] == "placed"
    assert body["items_total"] == "30.00"
    assert body["discount_total"] == "10.00"
    assert body["paid_total"] == "24.00"
    assert body["refundable_total"] == "24.00"
    item = body["items"][0]
    assert item["refundable_quantity"] == 3
    assert item["refundable_amount"] == "21.18"
    assert Decimal(item["refundable_amount"]) / 3 == Decimal("7.06")
    assert [e["status"] for e in body["events"]] == ["placed"]


def test_money_is_returned_as_strings_with_two_places(integration, customer):
    payload = OrderPayloadFactory(
        customer=customer.username,
        items=[ItemFactory(unit_price="12.5", quantity=2)],
        delivery_fee="3",
        packaging_fee="0",
        discounts=[],
        tenders=[{"method": "wechat", "amount": "28", "account": "wx:1"}],
    )
    body = post(integration, payload).json()
    assert body["items"][0]["unit_price"] == "12.50"
    assert (body["delivery_fee"], body["packaging_fee"], body["paid_total"]) == (
        "3.00",
        "0.00",
        "28.00",
    )
    assert body["tenders"] == [{"method": "wechat", "amount": "28.00", "account": "wx:1"}]


def test_order_paid_by_several_tenders_and_discounts(integration, customer):
    payload = OrderPayloadFactory(
        customer=customer.username,
        discounts=[{"kind": "coupon", "amount": "5.00"}, {"kind": "red_packet", "amount": "5.00"}],
        tenders=[
            {"method": "wallet", "amount": "4.00", "account": "wallet:1"},
            {"method": "card", "amount": "20.00", "account": "card:6222"},
        ],
    )
    response = post(integration, payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [t["method"] for t in body["tenders"]] == ["wallet", "card"]
    assert [d["kind"] for d in body["discounts"]] == ["coupon", "red_packet"]
    assert body["paid_total"] == "24.00"


def test_delivered_order_arrives_with_its_delivery_time_and_timeline(integration, customer):
    placed = datetime.now(SHANGHAI) - timedelta(hours=2)
    delivered = placed + timedelta(minutes=40)
    payload = OrderPayloadFactory(
        customer=customer.username,
        placed_at=placed.isoformat(),
        promised_at=(placed + timedelta(minutes=30)).isoformat(),
        status="delivered",
        delivered_at=delivered.isoformat(),
    )
    response = post(integration, payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "delivered"
    assert datetime.fromisoformat(body["delivered_at"]) == delivered
    assert [e["status"] for e in body["events"]] == ["placed", "delivered"]
    assert datetime.fromisoformat(body["events"][1]["at"]) == delivered


# --- idempotency ----------------------------------------------------------------


def test_same_order_again_answers_stored_order(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username)
    first = post(integration, payload)
    again = post(integration, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Order.objects.filter(number=payload["number"]).count() == 1
    assert DeliveryEvent.objects.filter(order__number=payload["number"]).count() == 1


def test_same_content_written_differently_is_the_same_order(integration, customer):
    payload = OrderPayloadFactory(
        customer=customer.username,
        items=[ItemFactory(unit_price="12.50", quantity=2)],
        delivery_fee="3.00",
        packaging_fee="0.00",
        discounts=[],
        tenders=[{"method": "alipay", "amount": "28.00", "account": "a:1"}],
    )
    first = post(integration, payload)
    assert first.status_code == 201, first.json()

    rewritten = copy.deepcopy(payload)
    rewritten["items"][0]["unit_price"] = "12.5"
    rewritten["delivery_fee"] = "3"
    rewritten["tenders"][0]["amount"] = 28
    for key in ("placed_at", "promised_at"):
        rewritten[key] = datetime.fromisoformat(payload[key]).astimezone(SHANGHAI).isoformat()
    assert rewritten["placed_at"] != payload["placed_at"]
    del rewritten["packaging_fee"]  # the default is 0.00
    del rewritten["discounts"]  # the default is none
    rewritten = dict(reversed(list(rewritten.items())))

    again = post(integration, rewritten)
    assert again.status_code == 200, again.json()
    assert again.json() == first.json()
    assert Order.objects.filter(number=payload["number"]).count() == 1


def test_retry_after_a_delivery_event_answers_the_order_as_it_is_now(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username)
    post(integration, payload)
    at = datetime.fromisoformat(payload["placed_at"]) + timedelta(minutes=5)
    moved = integration.post(
        f"{URL}{payload['number']}/events/",
        {"status": "accepted", "at": at.isoformat()},
        format="json",
    )
    assert moved.status_code == 201, moved.json()

    again = post(integration, payload)
    assert again.status_code == 200, again.json()
    assert again.json()["status"] == "accepted"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: p["items"][0].update(quantity=2), id="quantity"),
        pytest.param(lambda p: p["items"][0].update(name="另一道菜"), id="item-name"),
        pytest.param(lambda p: p["merchant"].update(name="别家"), id="merchant-name"),
        pytest.param(lambda p: p["tenders"][0].update(account="alipay:other"), id="account"),
        pytest.param(lambda p: p.update(status="accepted"), id="status"),
        pytest.param(
            lambda p: p.update(
                promised_at=(
                    datetime.fromisoformat(p["promised_at"]) + timedelta(minutes=1)
                ).isoformat()
            ),
            id="promised-at",
        ),
    ],
)
def test_same_number_with_other_content_is_a_conflict(integration, customer, change):
    payload = OrderPayloadFactory(customer=customer.username)
    first = post(integration, payload)
    assert first.status_code == 201

    changed = copy.deepcopy(payload)
    change(changed)
    if changed["items"][0]["quantity"] == 2:
        changed["tenders"][0]["amount"] = "17.00"
    response = post(integration, changed)

    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "conflict"
    assert payload["number"] in body["detail"]
    stored = integration.get(f"{URL}{payload['number']}/").json()
    assert stored == first.json()


def test_conflicting_content_for_another_customer_is_a_conflict(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username)
    assert post(integration, payload).status_code == 201
    other = UserFactory(role="customer")
    response = post(integration, {**payload, "customer": other.username})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Order.objects.get(number=payload["number"]).customer == customer


# --- amounts ----------------------------------------------------------------------


def test_tenders_that_do_not_add_up_are_an_amount_mismatch(integration, customer):
    payload = OrderPayloadFactory(
        customer=customer.username,
        tenders=[
            {"method": "alipay", "amount": "20.00", "account": "a:1"},
            {"method": "wallet", "amount": "3.99", "account": "w:1"},
        ],
    )
    response = post(integration, payload)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "amount_mismatch"
    assert body["paid_total"] == "24.00"
    assert body["tender_total"] == "23.99"
    assert "23.99" in body["detail"] and "24.00" in body["detail"]
    assert not Order.objects.filter(number=payload["number"]).exists()


def test_tenders_above_the_paid_total_are_an_amount_mismatch(integration, customer):
    payload = OrderPayloadFactory(
        customer=customer.username,
        tenders=[{"method": "alipay", "amount": "34.00", "account": "a:1"}],
    )
    response = post(integration, payload)
    assert response.status_code == 400
    assert response.json()["code"] == "amount_mismatch"
    assert response.json()["tender_total"] == "34.00"


def test_discounts_above_the_gross_amount_are_refused(integration, customer):
    payload = OrderPayloadFactory(
        customer=customer.username,
        discounts=[{"kind": "promotion", "amount": "30.00"}, {"kind": "points", "amount": "4.01"}],
        tenders=[{"method": "alipay", "amount": "0.01", "account": "a:1"}],
    )
    response = post(integration, payload)
    assert_validation_error(response, "discounts")
    assert not Order.objects.filter(number=payload["number"]).exists()


def test_discounts_equal_to_the_gross_amount_need_no_tender_but_tenders_are_required(
    integration, customer
):
    payload = OrderPayloadFactory(
        customer=customer.username,
        discounts=[{"kind": "promotion", "amount": "34.00"}],
        tenders=[],
    )
    assert_validation_error(post(integration, payload), "tenders")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("items", 0, "unit_price"), "-1.00"),
        (("items", 0, "unit_price"), "10.001"),
        (("items", 0, "unit_price"), "1000000.00"),
        (("items", 0, "unit_price"), "ten"),
        (("delivery_fee",), "-0.01"),
        (("packaging_fee",), "0.005"),
        (("discounts", 0, "amount"), "0.00"),
        (("discounts", 0, "amount"), "-10.00"),
        (("tenders", 0, "amount"), "0"),
        (("tenders", 0, "amount"), "24.000"),
        (("tenders", 0, "amount"), "NaN"),
        (("tenders", 0, "amount"), "Infinity"),
    ],
)
def test_bad_amounts_are_refused_with_the_field_named(integration, customer, path, value):
    payload = OrderPayloadFactory(customer=customer.username)
    target: Any = payload
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    response = post(integration, payload)
    assert_validation_error(response, *path)
    assert not Order.objects.filter(number=payload["number"]).exists()


# --- shape and types --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ("colour",),
        ("merchant", "city"),
        ("items", 0, "discount"),
        ("discounts", 0, "code"),
        ("tenders", 0, "currency"),
    ],
)
def test_unknown_fields_are_refused_by_name(integration, customer, path):
    payload = OrderPayloadFactory(customer=customer.username)
    target: Any = payload
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = "x"
    response = post(integration, payload)
    assert_validation_error(response, *path)


@pytest.mark.parametrize(
    "path",
    [
        ("number",),
        ("customer",),
        ("merchant",),
        ("placed_at",),
        ("promised_at",),
        ("items",),
        ("tenders",),
        ("merchant", "code"),
        ("merchant", "name"),
        ("items", 0, "sku"),
        ("items", 0, "name"),
        ("items", 0, "unit_price"),
        ("items", 0, "quantity"),
        ("discounts", 0, "kind"),
        ("discounts", 0, "amount"),
        ("tenders", 0, "method"),
        ("tenders", 0, "amount"),
        ("tenders", 0, "account"),
    ],
)
def test_missing_fields_are_named(integration, customer, path):
    payload = OrderPayloadFactory(customer=customer.username)
    target: Any = payload
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    assert_validation_error(post(integration, payload), *path)


@pytest.mark.parametrize(
    "path",
    [
        ("number",),
        ("customer",),
        ("merchant",),
        ("placed_at",),
        ("promised_at",),
        ("status",),
        ("items",),
        ("delivery_fee",),
        ("packaging_fee",),
        ("discounts",),
        ("tenders",),
        ("merchant", "code"),
        ("merchant", "name"),
        ("items", 0),
        ("items", 0, "sku"),
        ("items", 0, "name"),
        ("items", 0, "unit_price"),
        ("items", 0, "quantity"),
        ("discounts", 0),
        ("discounts", 0, "kind"),
        ("discounts", 0, "amount"),
        ("tenders", 0),
        ("tenders", 0, "method"),
        ("tenders", 0, "amount"),
        ("tenders", 0, "account"),
    ],
)
def test_null_is_refused_wherever_a_value_is_required(integration, customer, path):
    payload = OrderPayloadFactory(customer=customer.username)
    target: Any = payload
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = None
    response = post(integration, payload)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    field_errors(response.json(), *path[:1])


def test_null_delivered_at_on_an_undelivered_order_is_accepted(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username, delivered_at=None)
    assert post(integration, payload).status_code == 201


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("number",), ["ORD-1"]),
        (("number",), {"id": "ORD-1"}),
        (("number",), "ORD/1"),
        (("number",), ""),
        (("number",), "x" * 65),
        (("customer",), ["someone"]),
        (("merchant",), ["M001", "老王川菜馆"]),
        (("merchant",), "M001"),
        (("items",), {"sku": "A", "name": "B", "unit_price": "1.00", "quantity": 1}),
        (("items",), "SKU-1"),
        (("items", 0), ["SKU-1", "宫保鸡丁", "10.00", 3]),
        (("items", 0, "quantity"), "three"),
        (("items", 0, "quantity"), 1.5),
        (("items", 0, "quantity"), True),
        (("items", 0, "quantity"), 0),
        (("items", 0, "quantity"), -1),
        (("items", 0, "quantity"), 1000),
        (("items", 0, "quantity"), [3]),
        (("items", 0, "unit_price"), {"amount": "10.00"}),
        (("items", 0, "unit_price"), True),
        (("items", 0, "name"), {"zh": "宫保鸡丁"}),
        (("tenders",), {"method": "alipay", "amount": "24.00", "account": "a"}),
        (("tenders", 0, "method"), "paypal"),
        (("tenders", 0, "method"), ["alipay"]),
        (("discounts", 0, "kind"), "voucher"),
        (("discounts",), "coupon"),
        (("status",), "lost"),
        (("status",), 1),
        (("placed_at",), "yesterday"),
        (("placed_at",), 1700000000),
        (("placed_at",), "0001-01-01T00:00:00+14:00"),
        (("placed_at",), "2025-02-30T12:00:00+08:00"),
        (("promised_at",), "9999-12-31T23:59:59-14:00"),
        (("promised_at",), ["2025-01-01T12:00:00+08:00"]),
    ],
)
def test_wrong_types_and_values_are_refused_with_the_field_named(
    integration, customer, path, value
):
    payload = OrderPayloadFactory(customer=customer.username)
    target: Any = payload
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    response = post(integration, payload)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    field_errors(response.json(), *path[:1])
    assert not Order.objects.exists()


@pytest.mark.parametrize("field", ["items", "tenders"])
def test_empty_lists_of_items_or_tenders_are_refused(integration, customer, field):
    payload = OrderPayloadFactory(customer=customer.username, **{field: []})
    assert_validation_error(post(integration, payload), field)


def test_too_many_items_are_refused(integration, customer):
    items = [ItemFactory(unit_price="0.10", quantity=1) for _ in range(201)]
    payload = OrderPayloadFactory(
        customer=customer.username,
        items=items,
        discounts=[],
        tenders=[{"method": "alipay", "amount": "24.10", "account": "a:1"}],
    )
    assert_validation_error(post(integration, payload), "items")


@pytest.mark.parametrize("body", [[], [{"number": "ORD-1"}], 42, "ORD-1", True])
def test_a_body_that_is_not_an_object_is_refused(integration, body):
    response = integration.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert response.json()["detail"]


def test_an_empty_object_names_every_required_field(integration):
    response = post(integration, {})
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert {
        "number",
        "customer",
        "merchant",
        "placed_at",
        "promised_at",
        "items",
        "tenders",
    } <= set(fields)


# --- times and statuses ---------------------------------------------------------


def test_a_delivered_order_without_its_delivery_time_is_refused(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username, status="delivered")
    assert_validation_error(post(integration, payload), "delivered_at")


def test_an_undelivered_order_with_a_delivery_time_is_refused(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username, status="picked_up")
    payload["delivered_at"] = payload["promised_at"]
    assert_validation_error(post(integration, payload), "delivered_at")


def test_delivery_before_the_order_was_placed_is_refused(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username, status="delivered")
    payload["delivered_at"] = (
        datetime.fromisoformat(payload["placed_at"]) - timedelta(minutes=1)
    ).isoformat()
    assert_validation_error(post(integration, payload), "delivered_at")


def test_a_promise_before_the_order_was_placed_is_refused(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username)
    payload["promised_at"] = (
        datetime.fromisoformat(payload["placed_at"]) - timedelta(seconds=1)
    ).isoformat()
    assert_validation_error(post(integration, payload), "promised_at")


def test_an_order_placed_in_the_future_is_refused(integration, customer):
    placed = datetime.now(SHANGHAI) + timedelta(hours=3)
    payload = OrderPayloadFactory(
        customer=customer.username,
        placed_at=placed.isoformat(),
        promised_at=(placed + timedelta(minutes=30)).isoformat(),
    )
    assert_validation_error(post(integration, payload), "placed_at")
    assert not Order.objects.exists()


def test_a_delivery_in_the_future_is_refused(integration, customer):
    payload = OrderPayloadFactory(
        customer=customer.username,
        status="delivered",
        delivered_at=(datetime.now(SHANGHAI) + timedelta(days=1)).isoformat(),
    )
    assert_validation_error(post(integration, payload), "delivered_at")
    assert not Order.objects.exists()


def test_a_promise_in_the_future_is_normal(integration, customer):
    payload = OrderPayloadFactory(
        customer=customer.username,
        placed_at=datetime.now(SHANGHAI).isoformat(),
        promised_at=(datetime.now(SHANGHAI) + timedelta(minutes=40)).isoformat(),
    )
    assert post(integration, payload).status_code == 201


# --- the customer ---------------------------------------------------------------


def test_unknown_customer_is_refused(integration):
    UserFactory(username="someone")
    payload = OrderPayloadFactory(customer="nobody")
    response = post(integration, payload)
    assert_validation_error(response, "customer")
    assert not Order.objects.exists()


@pytest.mark.parametrize("role", ["agent", "finance", "integration", None])
def test_a_user_who_is_not_a_customer_cannot_own_an_order(integration, role):
    user = UserFactory(role=role)
    response = post(integration, OrderPayloadFactory(customer=user.username))
    assert_validation_error(response, "customer")
    assert not Order.objects.exists()


def test_customer_cannot_create_orders(customer):
    response = post(client_as(customer), OrderPayloadFactory(customer=customer.username))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Order.objects.exists()


# --- concurrency ----------------------------------------------------------------


def _lose_the_race_once() -> Any:
    """Make the service's first look for an existing number miss it, as when
    another request stores the same number between the look and the insert."""
    real_filter = Order.objects.filter
    calls = {"n": 0}

    def filter_(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1 and "number" in kwargs:
            return Order.objects.none()
        return real_filter(*args, **kwargs)

    return mock.patch.object(Order.objects, "filter", side_effect=filter_)


def test_a_post_that_loses_the_race_for_its_number_answers_as_a_retry(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username)
    first = post(integration, payload)
    with _lose_the_race_once():
        again = post(integration, payload)
    assert again.status_code == 200, again.json()
    assert again.json() == first.json()
    assert Order.objects.filter(number=payload["number"]).count() == 1


def test_a_post_that_loses_the_race_with_other_content_is_a_conflict(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username)
    post(integration, payload)
    changed = {**payload, "merchant": {"code": "M001", "name": "别家"}}
    with _lose_the_race_once():
        response = post(integration, changed)
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "conflict"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_order_store_it_once(customer):
    """Two deliveries of the same message at the same moment: one creates the
    order, the other answers it as a retry; neither is a 500 or a 409.

    PostgreSQL only: the in-memory SQLite test database shares one cache
    between threads and answers "database table is locked" instead of
    waiting."""
    integration_user = UserFactory(role="integration")
    payload = OrderPayloadFactory(customer=customer.username)
    barrier = threading.Barrier(2)
    statuses: list[int | str] = []

    def deliver() -> None:
        try:
            client = client_as(integration_user)
            barrier.wait(timeout=10)
            statuses.append(post(client, payload).status_code)
        except Exception as exc:
            statuses.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses, key=str) == [200, 201]
    assert Order.objects.filter(number=payload["number"]).count() == 1
    assert DeliveryEvent.objects.filter(order__number=payload["number"]).count() == 1
