"""The customer's nudge (催办, POST /api/v1/refunds/{id}/nudge/): once every
2 hours, up the queue after the escalated requests, and whoever holds the
request (else the senior agents) is told."""

from datetime import timedelta
from typing import Any

import pytest

from accounts import roles
from notifications.models import Notification
from refundportal import clock
from refunds.models import RefundRequest, TimelineEvent
from tests.conftest import client_as
from tests.factories import UserFactory

from .support import delivered_order, english, file_refund, old_customer, refund_url

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/review-queue/"


@pytest.fixture
def alice(now: Any) -> Any:
    return old_customer()


@pytest.fixture
def client(alice: Any) -> Any:
    return english(client_as(alice))


def file_pending(client: Any, customer: Any, now: Any) -> int:
    response = file_refund(client, delivered_order(customer, now), reason="other")
    assert response.json()["status"] == "pending_review", response.content
    return int(response.json()["id"])


def nudge(client: Any, refund_id: int) -> Any:
    return client.post(refund_url(refund_id, "nudge"))


def test_a_nudge_counts_and_tells_the_senior_agents_when_nobody_holds_it(
    client: Any, alice: Any, now: Any
) -> None:
    senior = UserFactory(role=roles.SENIOR_AGENT)
    refund_id = file_pending(client, alice, now)
    response = nudge(client, refund_id)
    assert response.status_code == 200, response.content
    assert response.json()["nudges"]["count"] == 1
    assert response.json()["nudges"]["last_at"] is not None
    note = Notification.objects.get(user=senior, event="refund_nudged")
    assert note.link == f"/review/{refund_id}/"
    step = TimelineEvent.objects.filter(request_id=refund_id).last()
    assert step.message == "refund.nudged"


def test_a_nudge_tells_the_agent_holding_the_request(
    client: Any, alice: Any, now: Any, as_role: Any
) -> None:
    senior = UserFactory(role=roles.SENIOR_AGENT)
    refund_id = file_pending(client, alice, now)
    agent = as_role(roles.AGENT)
    assert agent.post(refund_url(refund_id, "claim")).status_code == 200
    nudge(client, refund_id)
    assert Notification.objects.filter(user=agent.user, event="refund_nudged").count() == 1
    assert not Notification.objects.filter(user=senior).exists()


def test_a_second_nudge_within_two_hours_is_throttled(client: Any, alice: Any, now: Any) -> None:
    refund_id = file_pending(client, alice, now)
    assert nudge(client, refund_id).status_code == 200
    with clock.frozen_at(now + timedelta(minutes=90)):
        again = nudge(client, refund_id)
    assert again.status_code == 429
    assert again.json()["code"] == "throttled"
    assert again.json()["retry_after"] == 30 * 60
    assert again["Retry-After"] == str(30 * 60)
    with clock.frozen_at(now + timedelta(hours=2)):
        third = nudge(client, refund_id)
    assert third.status_code == 200
    assert third.json()["nudges"]["count"] == 2


def test_a_nudged_request_comes_after_the_escalated_ones_and_before_the_rest(
    client: Any, alice: Any, now: Any, as_role: Any
) -> None:
    first = file_pending(client, alice, now)
    bob = old_customer()
    bob_client = client_as(bob)
    with clock.frozen_at(now + timedelta(minutes=1)):
        second = file_pending(bob_client, bob, clock.now())
    carol = old_customer()
    with clock.frozen_at(now + timedelta(minutes=2)):
        third = file_pending(client_as(carol), carol, clock.now())
    RefundRequest.objects.filter(pk=first).update(escalated=True)
    senior = as_role(roles.SENIOR_AGENT)
    order = [row["id"] for row in senior.get(QUEUE).json()["results"]]
    assert order == [first, second, third]
    with clock.frozen_at(now + timedelta(minutes=3)):
        assert nudge(client_as(carol), third).status_code == 200
    order = [row["id"] for row in senior.get(QUEUE).json()["results"]]
    assert order == [first, third, second]


def test_only_a_request_waiting_for_a_decision_can_be_nudged(
    client: Any, alice: Any, now: Any
) -> None:
    rejected = file_refund(client, delivered_order(alice, now), reason="changed_mind").json()
    assert rejected["status"] == "rejected"
    response = nudge(client, rejected["id"])
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_nobody_but_the_customer_nudges(client: Any, alice: Any, now: Any, as_role: Any) -> None:
    refund_id = file_pending(client, alice, now)
    assert nudge(client_as(old_customer()), refund_id).status_code == 404
    for role in (roles.AGENT, roles.SENIOR_AGENT, roles.FINANCE, roles.MANAGER):
        assert nudge(as_role(role), refund_id).status_code == 403
    assert RefundRequest.objects.get(pk=refund_id).nudge_count == 0
