"""GET /api/v1/review-queue/?status=: the requests under review (the
default), or those waiting for their customers' answers, soonest due
first; any other status is refused."""

from datetime import timedelta
from typing import Any

import pytest

from accounts import roles
from refundportal import clock
from refunds import services
from refunds.models import RefundRequest
from tests.conftest import client_as
from tests.factories import UserFactory

from .support import delivered_order, english, file_refund, old_customer

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/review-queue/"


@pytest.fixture
def agent(now: Any) -> Any:
    return UserFactory(role=roles.AGENT)


@pytest.fixture
def agent_client(agent: Any) -> Any:
    return english(client_as(agent))


def file_pending(now: Any) -> RefundRequest:
    customer = old_customer()
    response = file_refund(client_as(customer), delivered_order(customer, now), reason="other")
    assert response.json()["status"] == "pending_review", response.content
    return RefundRequest.objects.get(pk=response.json()["id"])


def ask(refund: RefundRequest, agent: Any) -> None:
    services.refund_message_post(
        refund=refund, author=agent, body="Which dish was missing?", awaiting_customer=True
    )


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_queue_lists_requests_under_review_by_default(
    now: Any, agent: Any, agent_client: Any
) -> None:
    under_review = file_pending(now)
    waiting = file_pending(now)
    ask(waiting, agent)

    assert ids(agent_client.get(QUEUE)) == [under_review.pk]
    assert ids(agent_client.get(QUEUE, {"status": "pending_review"})) == [under_review.pk]
    assert ids(agent_client.get(QUEUE, {"status": ""})) == [under_review.pk]


def test_the_waiting_queue_lists_requests_waiting_for_an_answer_soonest_due_first(
    now: Any, agent: Any, agent_client: Any
) -> None:
    file_pending(now)
    asked_later = file_pending(now)
    asked_first = file_pending(now)
    ask(asked_first, agent)
    with clock.frozen_at(now + timedelta(hours=1)):
        ask(asked_later, agent)
        response = agent_client.get(QUEUE, {"status": "awaiting_customer"})

    assert ids(response) == [asked_first.pk, asked_later.pk]
    assert {row["status"] for row in response.json()["results"]} == {"awaiting_customer"}
    # Filters apply to the waiting queue as to the other.
    mine = agent_client.get(QUEUE, {"status": "awaiting_customer", "assignee": "me"})
    assert ids(mine) == [asked_first.pk, asked_later.pk]
    assert ids(agent_client.get(QUEUE, {"status": "awaiting_customer", "assignee": "none"})) == []


@pytest.mark.parametrize(
    "status", ["approved", "rejected", "waiting", "PENDING_REVIEW", " pending_review"]
)
def test_any_other_status_is_refused(now: Any, agent_client: Any, status: str) -> None:
    file_pending(now)
    response = agent_client.get(QUEUE, {"status": status})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == ["status"]
    assert body["detail"].startswith("Invalid input: status:")


def test_the_schema_declares_the_status_parameter_with_its_values(api: Any) -> None:
    schema = api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/review-queue/"]["get"]
    status = next(p for p in operation["parameters"] if p["name"] == "status")
    assert status["in"] == "query"
    assert sorted(status["schema"]["enum"]) == ["awaiting_customer", "pending_review"]
    assert "400" in operation["responses"]
