"""POST /api/v1/orders/{number}/events/: delivery events move an order
forward only; the same event twice is recorded once."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from orders.models import DeliveryEvent, Order
from tests.factories import create_order

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def send(client: Any, order: Order | str, status: str, at: datetime | str) -> Any:
    number = order if isinstance(order, str) else order.number
    when = at if isinstance(at, str) else at.isoformat()
    return client.post(
        f"/api/v1/orders/{number}/events/", {"status": status, "at": when}, format="json"
    )


def minutes_after(order: Order, minutes: int) -> datetime:
    return order.placed_at + timedelta(minutes=minutes)


def timeline(order: Order) -> list[tuple[str, datetime]]:
    return list(DeliveryEvent.objects.filter(order=order).values_list("status", "at"))


@pytest.fixture
def order(customer: Any) -> Order:
    return create_order(customer=customer)


def test_events_move_an_order_through_delivery(integration, order):
    for minutes, status in ((5, "accepted"), (20, "picked_up"), (35, "delivered")):
        response = send(integration, order, status, minutes_after(order, minutes))
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == status

    body = response.json()
    assert datetime.fromisoformat(body["delivered_at"]) == minutes_after(order, 35)
    assert [e["status"] for e in body["events"]] == [
        "placed",
        "accepted",
        "picked_up",
        "delivered",
    ]
    order.refresh_from_db()
    assert order.status == "delivered"
    assert order.delivered_at == minutes_after(order, 35)


def test_an_event_is_shown_on_the_order_afterwards(integration, order):
    send(integration, order, "accepted", minutes_after(order, 5))
    detail = integration.get(f"/api/v1/orders/{order.number}/").json()
    assert detail["status"] == "accepted"
    assert detail["delivered_at"] is None
    assert [e["status"] for e in detail["events"]] == ["placed", "accepted"]


@pytest.mark.parametrize(
    ("before", "skip_to"),
    [
        ([], "picked_up"),
        ([], "delivered"),
        (["accepted"], "delivered"),
        ([], "cancelled"),
        (["accepted", "picked_up"], "delivery_failed"),
        (["accepted"], "cancelled"),
    ],
)
def test_an_order_may_skip_ahead(integration, order, before, skip_to):
    for minutes, status in enumerate(before, start=1):
        assert send(integration, order, status, minutes_after(order, minutes)).status_code == 201
    response = send(integration, order, skip_to, minutes_after(order, 30))
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == skip_to


def test_cancellation_does_not_set_a_delivery_time(integration, order):
    response = send(integration, order, "cancelled", minutes_after(order, 3))
    assert response.json()["delivered_at"] is None


@pytest.mark.parametrize(
    ("path", "back_to"),
    [
        (["accepted"], "placed"),
        (["picked_up"], "accepted"),
        (["accepted", "picked_up"], "placed"),
    ],
)
def test_an_order_never_moves_back(integration, order, path, back_to):
    for minutes, status in enumerate(path, start=1):
        send(integration, order, status, minutes_after(order, minutes))
    response = send(integration, order, back_to, minutes_after(order, 30))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "status" in body["fields"]
    order.refresh_from_db()
    assert order.status == path[-1]
    assert len(timeline(order)) == 1 + len(path)


@pytest.mark.parametrize("final", ["delivered", "cancelled", "delivery_failed"])
@pytest.mark.parametrize(
    "then", ["placed", "accepted", "picked_up", "delivered", "cancelled", "delivery_failed"]
)
def test_a_final_status_is_final(integration, order, final, then):
    assert send(integration, order, final, minutes_after(order, 10)).status_code == 201
    response = send(integration, order, then, minutes_after(order, 20))
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "validation_error"
    assert "status" in response.json()["fields"]
    order.refresh_from_db()
    assert order.status == final
    assert len(timeline(order)) == 2


@pytest.mark.parametrize("status", ["lost", "", "DELIVERED", None, 3, ["delivered"]])
def test_an_unknown_status_is_refused(integration, order, status):
    response = integration.post(
        f"/api/v1/orders/{order.number}/events/",
        {"status": status, "at": minutes_after(order, 5).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "status" in response.json()["fields"]
    assert len(timeline(order)) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"status": "accepted"},
        {"at": "2025-01-01T12:00:00+08:00"},
        {},
        {"status": "accepted", "at": "soon"},
        {"status": "accepted", "at": None},
        {"status": "accepted", "at": "2025-01-01T12:00:00+08:00", "rider": "王师傅"},
        [],
    ],
)
def test_a_malformed_event_is_refused(integration, order, body):
    response = integration.post(f"/api/v1/orders/{order.number}/events/", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "validation_error"
    assert len(timeline(order)) == 1


def test_the_same_event_twice_is_recorded_once(integration, order):
    at = minutes_after(order, 5)
    first = send(integration, order, "accepted", at)
    again = send(integration, order, "accepted", at.astimezone(SHANGHAI))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert [status for status, _ in timeline(order)] == ["placed", "accepted"]


def test_the_same_delivery_twice_is_recorded_once(integration, order):
    at = minutes_after(order, 30)
    assert send(integration, order, "delivered", at).status_code == 201
    again = send(integration, order, "delivered", at)
    assert again.status_code == 200
    assert datetime.fromisoformat(again.json()["delivered_at"]) == at
    assert [status for status, _ in timeline(order)] == ["placed", "delivered"]


def test_an_event_resent_after_a_later_one_is_recorded_once(integration, order):
    """The ordering system retries a message whose answer it lost after it
    has already sent the next one: a retry, not a move back."""
    accepted_at = minutes_after(order, 5)
    send(integration, order, "accepted", accepted_at)
    send(integration, order, "picked_up", minutes_after(order, 20))

    again = send(integration, order, "accepted", accepted_at)

    assert again.status_code == 200, again.json()
    assert again.json()["status"] == "picked_up"
    assert [status for status, _ in timeline(order)] == ["placed", "accepted", "picked_up"]


def test_the_same_status_at_another_time_is_not_a_retry(integration, order):
    send(integration, order, "accepted", minutes_after(order, 5))
    response = send(integration, order, "accepted", minutes_after(order, 6))
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert len(timeline(order)) == 2


def test_an_event_before_the_order_was_placed_is_refused(integration, order):
    response = send(integration, order, "accepted", order.placed_at - timedelta(seconds=1))
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "at" in response.json()["fields"]
    order.refresh_from_db()
    assert order.status == "placed"


def test_an_event_before_the_previous_one_is_refused(integration, order):
    send(integration, order, "picked_up", minutes_after(order, 20))
    response = send(integration, order, "delivered", minutes_after(order, 10))
    assert response.status_code == 400
    assert "at" in response.json()["fields"]
    order.refresh_from_db()
    assert (order.status, order.delivered_at) == ("picked_up", None)


def test_an_event_dated_in_the_future_is_refused(integration, order):
    """A delivery dated hours ahead would keep the refund window open and
    make the order look late; a few minutes of clock drift are tolerated."""
    response = send(integration, order, "delivered", timezone.now() + timedelta(hours=2))
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "at" in response.json()["fields"]
    order.refresh_from_db()
    assert (order.status, order.delivered_at) == ("placed", None)

    drifted = send(integration, order, "delivered", timezone.now() + timedelta(minutes=2))
    assert drifted.status_code == 201, drifted.json()


def test_an_event_for_an_unknown_order_is_not_found(integration, order):
    response = send(integration, "ORD-NOPE", "accepted", minutes_after(order, 5))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["detail"]


@pytest.mark.parametrize("role", ["customer", "agent", "senior_agent", "finance", "manager", None])
def test_only_the_ordering_system_sends_events(as_role, order, role):
    response = send(as_role(role), order, "accepted", minutes_after(order, 5))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    order.refresh_from_db()
    assert order.status == "placed"


def test_the_owner_cannot_send_events_on_their_own_order(order):
    from tests.conftest import client_as

    response = send(client_as(order.customer), order, "delivered", minutes_after(order, 5))
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == "placed"


def test_an_event_without_credentials_is_not_authenticated(api, order):
    response = send(api, order, "accepted", minutes_after(order, 5))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_event_for_an_order_created_as_delivered_cannot_reopen_it(integration, customer):
    placed = datetime.now(SHANGHAI) - timedelta(hours=2)
    order = create_order(
        customer=customer,
        placed_at=placed.isoformat(),
        promised_at=(placed + timedelta(minutes=30)).isoformat(),
        status="delivered",
        delivered_at=(placed + timedelta(minutes=25)).isoformat(),
    )
    response = send(integration, order, "picked_up", placed + timedelta(minutes=20))
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == "delivered"
