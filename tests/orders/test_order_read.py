"""GET /api/v1/orders/ and /api/v1/orders/{number}/: customers read their
own orders, staff and the ordering system read every order; lists are
paginated and fetched in a fixed number of queries."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import client_as
from tests.factories import ItemFactory, UserFactory, create_order

pytestmark = pytest.mark.django_db

LIST = "/api/v1/orders/"
STAFF_AND_INTEGRATION = ["agent", "senior_agent", "finance", "manager", "integration"]


def detail_url(number: str) -> str:
    return f"/api/v1/orders/{number}/"


def numbers(response: Any) -> list[str]:
    return [row["number"] for row in response.json()["results"]]


def placed_hours_ago(hours: float) -> dict[str, str]:
    placed = timezone.now() - timedelta(hours=hours)
    return {
        "placed_at": placed.isoformat(),
        "promised_at": (placed + timedelta(minutes=30)).isoformat(),
    }


@pytest.fixture
def other_customer(db: Any) -> Any:
    return UserFactory(role="customer")


# --- who sees what --------------------------------------------------------------


def test_a_customer_lists_only_their_own_orders(customer, other_customer):
    mine = [create_order(customer=customer) for _ in range(2)]
    create_order(customer=other_customer)

    response = client_as(customer).get(LIST)

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert sorted(numbers(response)) == sorted(o.number for o in mine)
    assert {row["customer"] for row in response.json()["results"]} == {customer.username}


def test_a_customer_reads_their_own_order(customer):
    order = create_order(customer=customer)
    response = client_as(customer).get(detail_url(order.number))
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == order.number
    assert body["customer"] == customer.username
    assert body["merchant"] == {"code": "M001", "name": "老王川菜馆"}
    assert [e["status"] for e in body["events"]] == ["placed"]
    assert body["tenders"][0]["method"] == "alipay"
    assert body["discounts"] == [{"kind": "coupon", "amount": "10.00"}]


def test_another_customers_order_is_not_found(customer, other_customer):
    theirs = create_order(customer=other_customer)
    client = client_as(customer)

    response = client.get(detail_url(theirs.number))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert theirs.number not in numbers(client.get(LIST))
    # Indistinguishable from an order that does not exist at all.
    assert client.get(detail_url("ORD-NOPE")).json() == response.json()


def test_a_customer_without_orders_gets_an_empty_list(customer, other_customer):
    create_order(customer=other_customer)
    body = client_as(customer).get(LIST).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize("role", STAFF_AND_INTEGRATION)
def test_staff_and_the_ordering_system_read_every_order(as_role, customer, other_customer, role):
    orders = [create_order(customer=customer), create_order(customer=other_customer)]
    client = as_role(role)

    listed = client.get(LIST)

    assert listed.status_code == 200
    assert sorted(numbers(listed)) == sorted(o.number for o in orders)
    for order in orders:
        response = client.get(detail_url(order.number))
        assert response.status_code == 200
        assert response.json()["customer"] == order.customer.username


@pytest.mark.parametrize("role", [*STAFF_AND_INTEGRATION, "customer"])
def test_an_unknown_order_is_not_found(as_role, role):
    response = as_role(role).get(detail_url("ORD-NOPE"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- what an order shows ----------------------------------------------------------


def test_each_item_shows_what_is_still_refundable(customer):
    """Items 2 x 15.00 and 1 x 8.00, delivery 5.00, packaging 2.00, 6.00 off:
    the discount is shared 4.00 / 1.07 / 0.67 / 0.26 (largest remainder, ties
    to the earlier line), so the items refund 26.00 and 6.93 and the whole
    order 39.00, its paid total."""
    order = create_order(
        customer=customer,
        items=[
            ItemFactory(name="水煮鱼", unit_price="15.00", quantity=2),
            ItemFactory(name="米饭", unit_price="8.00", quantity=1),
        ],
        delivery_fee="5.00",
        packaging_fee="2.00",
        discounts=[{"kind": "red_packet", "amount": "6.00"}],
        tenders=[{"method": "wechat", "amount": "39.00", "account": "wx:1"}],
    )

    body = client_as(customer).get(detail_url(order.number)).json()

    assert [
        (i["name"], i["quantity"], i["refundable_quantity"], i["refundable_amount"])
        for i in body["items"]
    ] == [("水煮鱼", 2, 2, "26.00"), ("米饭", 1, 1, "6.93")]
    assert body["paid_total"] == "39.00"
    assert body["refundable_total"] == "39.00"
    assert [i["id"] for i in body["items"]] == [item.pk for item in order.items.all()]


def test_the_list_shows_the_same_refundable_amounts_as_the_detail(customer):
    order = create_order(customer=customer)
    client = client_as(customer)
    listed = client.get(LIST).json()["results"][0]
    assert listed == client.get(detail_url(order.number)).json()
    assert listed["items"][0]["refundable_amount"] == "21.18"
    assert listed["refundable_total"] == "24.00"


def test_an_order_without_discounts_refunds_its_gross(customer):
    order = create_order(
        customer=customer,
        items=[ItemFactory(unit_price="12.50", quantity=2)],
        delivery_fee="0.00",
        packaging_fee="0.00",
        discounts=[],
        tenders=[{"method": "card", "amount": "25.00", "account": "card:1"}],
    )
    body = client_as(customer).get(detail_url(order.number)).json()
    assert body["items"][0]["refundable_amount"] == "25.00"
    assert body["refundable_total"] == "25.00"


def test_times_are_iso_8601_with_an_offset(customer):
    order = create_order(customer=customer)
    body = client_as(customer).get(detail_url(order.number)).json()
    placed = datetime.fromisoformat(body["placed_at"])
    assert placed.utcoffset() is not None
    assert placed == order.placed_at
    assert body["delivered_at"] is None


# --- listing --------------------------------------------------------------------


def test_the_list_is_paginated(as_role, customer):
    for hours in range(25):
        create_order(customer=customer, **placed_hours_ago(hours + 1))
    client = as_role("agent")

    first = client.get(LIST).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert first["next"] and "page=2" in first["next"]

    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert second["previous"] is not None
    assert not set(numbers_of(first)) & set(numbers_of(second))


def numbers_of(page: dict[str, Any]) -> list[str]:
    return [row["number"] for row in page["results"]]


def test_the_list_shows_the_newest_order_first(as_role, customer):
    old = create_order(customer=customer, **placed_hours_ago(5))
    new = create_order(customer=customer, **placed_hours_ago(1))
    middle = create_order(customer=customer, **placed_hours_ago(3))
    assert numbers(as_role("manager").get(LIST)) == [new.number, middle.number, old.number]


def test_page_size_may_be_chosen_up_to_a_limit(as_role, customer):
    for _ in range(3):
        create_order(customer=customer)
    client = as_role("finance")
    assert len(client.get(LIST, {"page_size": 2}).json()["results"]) == 2
    assert len(client.get(LIST, {"page_size": 1000}).json()["results"]) == 3


def test_a_page_past_the_end_is_not_found(as_role, customer):
    create_order(customer=customer)
    response = as_role("agent").get(LIST, {"page": 9})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_list_filters_by_status(as_role, customer, integration):
    placed = create_order(customer=customer)
    delivered = create_order(
        customer=customer,
        status="delivered",
        delivered_at=(timezone.now() - timedelta(minutes=20)).isoformat(),
    )
    client = as_role("agent")

    assert numbers(client.get(LIST, {"status": "delivered"})) == [delivered.number]
    assert numbers(client.get(LIST, {"status": "placed"})) == [placed.number]
    assert numbers(client.get(LIST, {"status": "cancelled"})) == []


def test_the_status_filter_keeps_a_customer_to_their_own_orders(customer, other_customer):
    mine = create_order(customer=customer)
    create_order(customer=other_customer)
    response = client_as(customer).get(LIST, {"status": "placed"})
    assert numbers(response) == [mine.number]


# --- queries ----------------------------------------------------------------------


def list_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST, {"page_size": 50})
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("role", ["agent", "customer"])
def test_the_list_runs_a_fixed_number_of_queries(customer, role, django_assert_max_num_queries):
    client = client_as(customer) if role == "customer" else client_as(UserFactory(role=role))
    items = [ItemFactory(unit_price="10.00", quantity=1) for _ in range(3)]
    two_tenders = [
        {"method": "alipay", "amount": "20.00", "account": "a:1"},
        {"method": "wallet", "amount": "4.00", "account": "w:1"},
    ]
    for _ in range(3):
        create_order(customer=customer, items=items, tenders=two_tenders)
    # Token and roles (2), count and page (2), items, discounts, tenders and
    # events (4), what refund requests claim on the page's orders (1).
    with django_assert_max_num_queries(9):
        few = list_queries(client)

    for _ in range(22):
        create_order(customer=customer, items=items, tenders=two_tenders)
    with django_assert_max_num_queries(9):
        many = list_queries(client)

    assert client.get(LIST, {"page_size": 50}).json()["count"] == 25
    assert many == few


def test_the_detail_runs_a_fixed_number_of_queries(customer, django_assert_max_num_queries):
    order = create_order(customer=customer)
    client = client_as(customer)
    with django_assert_max_num_queries(8):
        assert client.get(detail_url(order.number)).status_code == 200
