"""The conversation's races on PostgreSQL, each side in its own thread and
connection, released together: the customer's answer against the 48 h
timeout job, two nudges at once, two agents asking at once. The row locks
let exactly one side win, and the loser changes nothing."""

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from accounts import roles
from refundportal import clock
from refunds import services
from refunds.models import Message, RefundRequest, TimelineEvent
from tests.conftest import client_as
from tests.factories import UserFactory

from .support import at_once, delivered_order, english, file_refund, old_customer, refund_url

pytestmark = pytest.mark.postgres

ROUNDS = 5


@pytest.fixture
def start(transactional_db: Any) -> Iterator[datetime]:
    """The clock for every thread, frozen at a whole second."""
    at = timezone.now().replace(microsecond=0)
    with clock.frozen_everywhere(at):
        yield at


def pending_request(start: datetime) -> tuple[Any, RefundRequest]:
    """A customer's client and their request under review."""
    customer = old_customer()
    client = english(client_as(customer))
    response = file_refund(client, delivered_order(customer, start), reason="other")
    assert response.status_code == 201, response.content
    refund = RefundRequest.objects.get(pk=response.json()["id"])
    assert refund.status == "pending_review"
    return client, refund


def moves(refund: RefundRequest) -> list[str]:
    """The statuses the request's timeline moved it to, in order (notes left out)."""
    events = TimelineEvent.objects.filter(request=refund).exclude(from_status=F("to_status"))
    return list(events.order_by("id").values_list("to_status", flat=True))


# The job starts this long after the answer: an answer takes longer to reach
# its lock than the job does, so without a head start the job always wins.
# Spread over an answer's time, the rounds land on both sides of the lock,
# and some in its middle.
JOB_DELAYS = (0.0, 0.01, 0.02, 0.03, 0.05)


def timeouts_after(delay: float, at: datetime) -> dict[str, int]:
    time.sleep(delay)
    return services.refund_customer_timeouts(at)


@pytest.mark.parametrize("job_delay", JOB_DELAYS)
def test_the_customers_answer_and_the_timeout_job_never_both_win(
    start: datetime, job_delay: float
) -> None:
    client, refund = pending_request(start)
    agent = UserFactory(role=roles.AGENT)
    services.refund_message_post(
        refund=refund, author=agent, body="Please send a photo of the bag.", awaiting_customer=True
    )
    waiting = RefundRequest.objects.get(pk=refund.pk)
    due = waiting.customer_reply_due_at
    assert due == start + timedelta(hours=48)
    moves_before = len(moves(refund))

    with clock.frozen_everywhere(due):
        answer, job = at_once(
            [
                lambda: client.post(
                    refund_url(refund.pk, "messages"), {"body": "Here it is."}, format="json"
                ),
                lambda: timeouts_after(job_delay, due),
            ]
        )

    assert not isinstance(answer, BaseException), answer
    assert not isinstance(job, BaseException), job
    refund.refresh_from_db()
    new_moves = moves(refund)[moves_before:]
    if job == {"rejected": 1}:
        assert answer.status_code == 409, answer.content
        assert answer.json()["code"] == "conflict"
        assert refund.status == "rejected"
        assert refund.decision_rule == "C1"
        assert Message.objects.filter(request=refund, author=refund.customer).count() == 0
        assert new_moves == ["rejected"]
    else:
        assert job == {"rejected": 0}
        assert answer.status_code == 201, answer.content
        assert refund.status == "pending_review"
        assert refund.customer_reply_due_at is None
        assert (refund.decided_at, refund.decision_rule) == (
            waiting.decided_at,
            waiting.decision_rule,
        )
        assert list(
            Message.objects.filter(request=refund, author=refund.customer).values_list(
                "body", flat=True
            )
        ) == ["Here it is."]
        assert new_moves == ["pending_review"]
    assert Message.objects.filter(request=refund).count() == (2 if answer.status_code == 201 else 1)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_nudges_at_the_same_instant_count_once(start: datetime, round_: int) -> None:
    client, refund = pending_request(start)
    other_client = english(client_as(refund.customer))

    responses = at_once(
        [lambda c=c: c.post(refund_url(refund.pk, "nudge")) for c in (client, other_client)]
    )

    assert not [r for r in responses if isinstance(r, BaseException)], responses
    assert sorted(r.status_code for r in responses) == [200, 429]
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json()["code"] == "throttled"
    assert refused.json()["retry_after"] == 2 * 60 * 60
    refund.refresh_from_db()
    assert refund.nudge_count == 1
    assert refund.nudged_at == start
    assert TimelineEvent.objects.filter(request=refund, message="refund.nudged").count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_agents_asking_at_once_make_the_request_wait_once(start: datetime, round_: int) -> None:
    _, refund = pending_request(start)
    agents = [UserFactory(role=roles.AGENT), UserFactory(role=roles.AGENT)]
    clients = [english(client_as(agent)) for agent in agents]

    responses = at_once(
        [
            lambda c=c, n=n: c.post(
                refund_url(refund.pk, "messages"),
                {"body": f"Question {n}: which dish?", "awaiting_customer": True},
                format="json",
            )
            for n, c in enumerate(clients)
        ]
    )

    assert not [r for r in responses if isinstance(r, BaseException)], responses
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert next(r for r in responses if r.status_code == 409).json()["code"] == "conflict"
    winner = agents[[r.status_code for r in responses].index(201)]
    refund.refresh_from_db()
    assert refund.status == "awaiting_customer"
    assert refund.assignee_id == winner.pk
    assert list(Message.objects.filter(request=refund).values_list("author_id", flat=True)) == [
        winner.pk
    ]
    assert moves(refund)[-1:] == ["awaiting_customer"]
    assert moves(refund).count("awaiting_customer") == 1
