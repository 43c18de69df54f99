"""SPEC step 8: an event that moves a paid order to ``cancelled`` or
``delivery_failed`` files, approves and pays a whole-order request on the
customer's behalf, and tells the customer; nobody has to ask."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from notifications.models import Notification
from payouts.models import Payout
from refunds.models import RefundRequest
from tests.conftest import client_as

from .support import english, file_refund, refund_url, underway_order

pytestmark = pytest.mark.django_db


def send_event(integration: Any, order: Any, status: str, at: Any) -> Any:
    return integration.post(
        f"/api/v1/orders/{order.number}/events/",
        {"status": status, "at": at.isoformat()},
        format="json",
    )


@pytest.mark.parametrize(
    ("before", "event"),
    [("placed", "cancelled"), ("accepted", "cancelled"), ("picked_up", "delivery_failed")],
)
def test_a_failed_order_is_refunded_in_full_without_asking(
    integration, veteran, now, before, event, django_capture_on_commit_callbacks
):
    order = underway_order(veteran, now, status=before)

    with django_capture_on_commit_callbacks(execute=True):
        response = send_event(integration, order, event, now - timedelta(minutes=1))

    assert response.status_code == 201, response.content
    refund = RefundRequest.objects.get(order=order)
    body = english(client_as(veteran)).get(refund_url(refund.pk)).json()
    assert body["reason"] == "not_delivered"
    assert body["decision"]["source"] == "auto"
    assert body["decision"]["rule"] == "R5"
    assert body["requested_amount"] == body["approved_amount"] == "24.00"
    assert body["status"] == "refunded"  # the sandbox paid at once
    assert sum(Decimal(p["amount"]) for p in body["payouts"]) == Decimal("24.00")
    steps = [(step["actor_role"], step["to_status"]) for step in body["timeline"]]
    assert steps == [("system", "approved"), ("system", "refunded")]
    assert "cancelled or could not be delivered" in body["decision"]["note"]
    assert Notification.objects.filter(user=veteran, event="refund_approved").exists()


def test_the_same_cancel_event_twice_refunds_once(integration, veteran, now):
    order = underway_order(veteran, now, status="accepted")
    at = now - timedelta(minutes=1)

    assert send_event(integration, order, "cancelled", at).status_code == 201
    assert send_event(integration, order, "cancelled", at).status_code == 200

    assert RefundRequest.objects.filter(order=order).count() == 1
    assert Payout.objects.filter(refund__order=order).count() == 1


def test_only_what_is_left_is_refunded_after_an_earlier_refund(integration, veteran, now):
    order = underway_order(veteran, now, status="placed")
    item = order.items.get()
    first = file_refund(
        client_as(veteran), order, reason="other", items=[{"item": item.pk, "quantity": 1}]
    )
    assert first.json()["approved_amount"] == "7.06"  # R4: the merchant had not accepted

    send_event(integration, order, "cancelled", now - timedelta(minutes=1))

    owed = RefundRequest.objects.exclude(pk=first.json()["id"]).get(order=order)
    assert owed.approved_amount == Decimal("16.94")
    paid = Payout.objects.filter(refund__order=order).values_list("amount", flat=True)
    assert sum(paid) == Decimal("24.00")


def test_a_request_under_review_keeps_its_claim_and_the_rest_is_refunded(
    integration, veteran, now, django_capture_on_commit_callbacks
):
    order = underway_order(veteran, now, status="accepted")
    item = order.items.get()
    waiting = file_refund(
        client_as(veteran), order, reason="other", items=[{"item": item.pk, "quantity": 1}]
    ).json()
    assert waiting["status"] == "pending_review"

    with django_capture_on_commit_callbacks(execute=True):
        send_event(integration, order, "cancelled", now - timedelta(minutes=1))

    assert RefundRequest.objects.get(pk=waiting["id"]).status == "pending_review"
    owed = RefundRequest.objects.exclude(pk=waiting["id"]).get(order=order)
    assert owed.status == "refunded"
    assert owed.approved_amount == Decimal("16.94")


def test_nothing_is_filed_when_nothing_is_left(integration, veteran, now):
    order = underway_order(veteran, now, status="placed")
    file_refund(client_as(veteran), order, reason="other")  # R4: all 24.00 back

    send_event(integration, order, "cancelled", now - timedelta(minutes=1))

    assert RefundRequest.objects.filter(order=order).count() == 1


def test_the_order_card_stops_offering_a_refund(integration, veteran, now):
    order = underway_order(veteran, now, status="accepted")
    send_event(integration, order, "cancelled", now - timedelta(minutes=1))
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(veteran)

    html = browser.get("/orders/").content.decode()

    assert f"/orders/{order.number}/refund/" not in html
    assert "已无可退金额" in html or "已退款" in html
    refused = file_refund(client_as(veteran), order, reason="not_delivered")
    assert refused.status_code == 400
    assert refused.json()["code"] == "not_refundable"
