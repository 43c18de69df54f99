"""The conversation of a request (GET/POST /api/v1/refunds/{id}/messages/):
messages both ways, an agent asking the customer and the request waiting
(the review clock stopped), the answer, the 48 h timeout, and who may
read and write."""

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils.dateparse import parse_datetime

from accounts import roles
from notifications.models import Notification
from refundportal import clock
from refunds import services
from refunds.models import Evidence, Message, RefundRequest, TimelineEvent
from tests.conftest import client_as
from tests.factories import UserFactory

from .support import delivered_order, english, file_refund, old_customer, refund_url, upload_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(now: Any) -> Any:
    return old_customer(email="alice@example.com")


@pytest.fixture
def client(alice: Any) -> Any:
    return english(client_as(alice))


@pytest.fixture
def agent(now: Any) -> Any:
    return UserFactory(role=roles.AGENT, email="agent@example.com")


@pytest.fixture
def agent_client(agent: Any) -> Any:
    return english(client_as(agent))


@pytest.fixture
def pending(now: Any, alice: Any, client: Any) -> dict[str, Any]:
    """Under review: rule 15 on a delivered order."""
    response = file_refund(client, delivered_order(alice, now), reason="other")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending_review"
    return body


def post(client: Any, refund_id: int, **body: Any) -> Any:
    return client.post(refund_url(refund_id, "messages"), body, format="json")


def messages_of(client: Any, refund_id: int) -> list[dict[str, Any]]:
    response = client.get(refund_url(refund_id, "messages"))
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ask(agent_client: Any, refund_id: int, body: str = "Please send a clearer photo.") -> Any:
    return post(agent_client, refund_id, body=body, awaiting_customer=True)


def test_both_sides_write_and_read_the_thread_oldest_first(
    pending: dict[str, Any], client: Any, agent_client: Any, now: Any
) -> None:
    first = post(client, pending["id"], body="  The soup was cold.  ")
    assert first.status_code == 201, first.content
    assert first.json()["body"] == "The soup was cold."
    assert first.json()["author_role"] == "customer"
    with clock.frozen_at(now + timedelta(minutes=5)):
        second = post(agent_client, pending["id"], body="Sorry to hear it; checking now.")
    assert second.status_code == 201
    assert second.json()["author_role"] == "agent"
    for reader in (client, agent_client):
        thread = messages_of(reader, pending["id"])
        assert [m["body"] for m in thread] == [
            "The soup was cold.",
            "Sorry to hear it; checking now.",
        ]
        assert [m["author_role"] for m in thread] == ["customer", "agent"]
    # Talking changes no status.
    assert client.get(refund_url(pending["id"])).json()["status"] == "pending_review"


def test_asking_the_customer_stops_the_clock_and_the_answer_pushes_it_back(
    pending: dict[str, Any], client: Any, agent_client: Any, agent: Any, now: Any
) -> None:
    due_before = RefundRequest.objects.get(pk=pending["id"]).review_due_at
    with clock.frozen_at(now + timedelta(hours=1)):
        asked = ask(agent_client, pending["id"])
        assert asked.status_code == 201, asked.content
        assert set(asked.json()) == {"id", "at", "author_role", "body", "evidence"}
        shown = client.get(refund_url(pending["id"])).json()
        assert shown["status"] == "awaiting_customer"
        assert parse_datetime(shown["waiting"]["since"]) == now + timedelta(hours=1)
        assert parse_datetime(shown["waiting"]["reply_due_at"]) == now + timedelta(hours=49)
    waiting = RefundRequest.objects.get(pk=pending["id"])
    assert waiting.assignee_id == agent.pk  # the claim is kept for the asker
    assert waiting.customer_reply_due_at == now + timedelta(hours=49)
    # The escalation sweep leaves a waiting request alone, however long it waits.
    with clock.frozen_at(now + timedelta(hours=30)):
        assert services.sla_sweep(clock.now())["escalated"] == 0
        photo = upload_id(client, seed=3)
        answer = post(client, pending["id"], body="Here it is.", evidence=[photo])
        assert answer.status_code == 201, answer.content
        assert answer.json()["evidence"] == [photo]
    answered = RefundRequest.objects.get(pk=pending["id"])
    assert answered.status == "pending_review"
    assert answered.review_due_at == due_before + timedelta(hours=29)
    assert answered.customer_wait == timedelta(hours=29)
    assert answered.assignee_id == agent.pk
    assert answered.claim_expires_at > now + timedelta(hours=30)
    assert Evidence.objects.get(pk=photo).request_id == pending["id"]
    # The photo shows on the request with the others, and the agent can open it.
    assert photo in [
        e["id"] for e in agent_client.get(refund_url(pending["id"])).json()["evidence"]
    ]
    assert agent_client.get(f"/api/v1/evidence/{photo}/file/").status_code == 200
    timeline = [
        step["to_status"] for step in client.get(refund_url(pending["id"])).json()["timeline"]
    ]
    assert timeline[-2:] == ["awaiting_customer", "pending_review"]


def test_an_unanswered_question_rejects_the_request_after_48_hours(
    pending: dict[str, Any], client: Any, agent_client: Any, now: Any, alice: Any
) -> None:
    assert ask(agent_client, pending["id"]).status_code == 201
    at = now + timedelta(hours=47, minutes=59)
    assert services.refund_customer_timeouts(at) == {"rejected": 0}
    at = now + timedelta(hours=48)
    assert services.refund_customer_timeouts(at) == {"rejected": 1}
    assert services.refund_customer_timeouts(at) == {"rejected": 0}  # a second run: nothing
    with clock.frozen_at(at + timedelta(minutes=1)):
        shown = client.get(refund_url(pending["id"])).json()
        assert shown["status"] == "rejected"
        assert shown["decision"]["source"] == "auto"
        assert shown["decision"]["rule"] == "C1"
        assert "no answer came within 48 h" in shown["decision"]["note"]
        assert shown["can_appeal"] is True
        late = post(client, pending["id"], body="Sorry, I was away.")
        assert late.status_code == 409
        assert late.json()["code"] == "conflict"
    rejected = Notification.objects.filter(user=alice, event="refund_rejected").get()
    assert rejected.facts["note"]["facts"]["rule"] == "C1"


def test_the_customer_may_cancel_while_waiting(
    pending: dict[str, Any], client: Any, agent_client: Any
) -> None:
    assert ask(agent_client, pending["id"]).status_code == 201
    response = client.post(refund_url(pending["id"], "cancel"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"


def test_a_waiting_request_keeps_the_order_open(
    pending: dict[str, Any], client: Any, agent_client: Any, alice: Any
) -> None:
    """A second request on the order is refused while the first waits."""
    assert ask(agent_client, pending["id"]).status_code == 201
    order = RefundRequest.objects.get(pk=pending["id"]).order
    again = file_refund(client, order, reason="other")
    assert again.status_code == 409
    assert again.json()["code"] == "request_open"
    assert again.json()["request"] == pending["id"]


def test_every_message_tells_the_other_side(
    pending: dict[str, Any],
    client: Any,
    agent_client: Any,
    agent: Any,
    alice: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Nobody holds it yet: the senior agents hear from the customer.
    senior = UserFactory(role=roles.SENIOR_AGENT)
    post(client, pending["id"], body="Any news?")
    assert Notification.objects.filter(user=senior, event="refund_customer_message").count() == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ask(agent_client, pending["id"], body="Which dish was cold?")
    note = Notification.objects.get(user=alice, event="refund_waiting_customer")
    assert note.facts["note"] == {"text": "Which dish was cold?"}
    assert note.link == f"/refunds/{pending['id']}/"
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "Which dish was cold?" in mail.outbox[0].body
    post(client, pending["id"], body="The soup.")
    # The agent who asked hears the answer, the senior agents do not.
    assert Notification.objects.filter(user=agent, event="refund_customer_answered").count() == 1
    assert Notification.objects.filter(user=senior).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 2001}, "body"),
        ({}, "body"),
        ({"body": "hi", "evidence": "1"}, "evidence"),
        ({"body": "hi", "colour": "red"}, "colour"),
    ],
)
def test_bad_messages_are_refused_with_the_field(
    pending: dict[str, Any], client: Any, body: dict[str, Any], field: str
) -> None:
    response = client.post(refund_url(pending["id"], "messages"), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]
    assert not Message.objects.exists()


def test_a_message_of_2000_characters_is_taken(pending: dict[str, Any], client: Any) -> None:
    assert post(client, pending["id"], body="好" * 2000).status_code == 201


def test_a_seventh_photo_is_refused(pending: dict[str, Any], client: Any) -> None:
    first = [upload_id(client, seed=i) for i in range(4)]
    assert post(client, pending["id"], body="four", evidence=first).status_code == 201
    two = [upload_id(client, seed=10 + i) for i in range(2)]
    assert post(client, pending["id"], body="six", evidence=two).status_code == 201
    seventh = upload_id(client, seed=20)
    response = post(client, pending["id"], body="seven", evidence=[seventh])
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "evidence" in response.json()["fields"]
    assert Evidence.objects.get(pk=seventh).request_id is None
    assert Message.objects.count() == 2


def test_only_an_agent_asks_and_only_under_review(
    pending: dict[str, Any], client: Any, agent_client: Any, as_role: Any
) -> None:
    from_customer = post(client, pending["id"], body="wait for me", awaiting_customer=True)
    assert from_customer.status_code == 400
    assert from_customer.json()["code"] == "validation_error"
    assert "awaiting_customer" in from_customer.json()["fields"]
    from_finance = post(as_role(roles.FINANCE), pending["id"], body="?", awaiting_customer=True)
    assert from_finance.status_code == 400
    assert ask(agent_client, pending["id"]).status_code == 201
    twice = ask(agent_client, pending["id"])
    assert twice.status_code == 409
    assert twice.json()["code"] == "conflict"
    assert Message.objects.count() == 1


def test_another_agents_claim_keeps_others_from_asking(
    pending: dict[str, Any], agent_client: Any, as_role: Any
) -> None:
    other = as_role(roles.AGENT)
    assert other.post(refund_url(pending["id"], "claim")).status_code == 200
    response = ask(agent_client, pending["id"])
    assert response.status_code == 409


def test_another_customer_finds_nothing(pending: dict[str, Any], now: Any) -> None:
    mallory = english(client_as(old_customer()))
    assert mallory.get(refund_url(pending["id"], "messages")).status_code == 404
    response = post(mallory, pending["id"], body="hello")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Message.objects.exists()


def test_a_photo_of_another_customer_cannot_be_sent(
    pending: dict[str, Any], client: Any, now: Any
) -> None:
    mallory = client_as(old_customer())
    theirs = upload_id(mallory, seed=5)
    response = post(client, pending["id"], body="look", evidence=[theirs])
    assert response.status_code == 400
    assert Evidence.objects.get(pk=theirs).request_id is None


def test_the_conversation_is_append_only(pending: dict[str, Any], client: Any) -> None:
    post(client, pending["id"], body="first")
    message = Message.objects.get()
    with pytest.raises(PermissionError):
        Message.objects.filter(pk=message.pk).update(body="changed")
    with pytest.raises(PermissionError):
        message.delete()


def test_staff_notes_never_appear_in_the_thread(
    pending: dict[str, Any], client: Any, agent_client: Any
) -> None:
    post(client, pending["id"], body="Where is my refund?")
    for note, internal in (
        ("Rider says the bag was sealed.", True),
        ("Checking with the rider.", False),
    ):
        noted = agent_client.post(
            refund_url(pending["id"], "notes"), {"note": note, "internal": internal}, format="json"
        )
        assert noted.status_code == 201, noted.content
    post(agent_client, pending["id"], body="We are looking into it.")

    for reader in (client, agent_client):
        response = reader.get(refund_url(pending["id"], "messages"))
        assert response.json()["count"] == 2
        assert [m["body"] for m in response.json()["results"]] == [
            "Where is my refund?",
            "We are looking into it.",
        ]
        assert b"Rider says" not in response.content
        assert b"Checking with the rider" not in response.content
    # The notes are where they belong: on the timeline, the internal one for staff only.
    staff_timeline = str(agent_client.get(refund_url(pending["id"])).json()["timeline"])
    assert "Rider says the bag was sealed." in staff_timeline
    assert "Rider says" not in str(client.get(refund_url(pending["id"])).json()["timeline"])


def test_a_long_thread_is_paged_oldest_first_for_the_customer(
    pending: dict[str, Any],
    client: Any,
    agent_client: Any,
    now: Any,
    django_assert_max_num_queries: Any,
) -> None:
    sent = []
    for n in range(25):
        writer = client if n % 2 == 0 else agent_client
        body = f"{'customer' if n % 2 == 0 else 'agent'} message {n}"
        with clock.frozen_at(now + timedelta(minutes=n)):
            assert post(writer, pending["id"], body=body).status_code == 201
        sent.append(body)
    photo = upload_id(client, seed=5)
    with clock.frozen_at(now + timedelta(minutes=30)):
        assert post(client, pending["id"], body="and a photo", evidence=[photo]).status_code == 201
    sent.append("and a photo")

    with django_assert_max_num_queries(9):
        first = client.get(refund_url(pending["id"], "messages"))
    assert first.status_code == 200
    page = first.json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 26
    assert page["previous"] is None
    assert len(page["results"]) == 20
    second = client.get(page["next"])
    assert second.json()["next"] is None
    assert second.json()["previous"] is not None
    shown = page["results"] + second.json()["results"]
    assert [m["body"] for m in shown] == sent
    assert [m["author_role"] for m in shown[:4]] == ["customer", "agent", "customer", "agent"]
    assert [m["at"] for m in shown] == sorted(m["at"] for m in shown)
    assert shown[-1]["evidence"] == [photo]
    small = client.get(refund_url(pending["id"], "messages"), {"page_size": 5, "page": 6})
    assert [m["body"] for m in small.json()["results"]] == ["and a photo"]


def tick(at: Any) -> str:
    out = StringIO()
    call_command("tick", "--at", at.isoformat(), stdout=out)
    return out.getvalue()


def test_tick_rejects_an_unanswered_request_once(
    pending: dict[str, Any], client: Any, agent_client: Any, now: Any, alice: Any
) -> None:
    assert ask(agent_client, pending["id"]).status_code == 201
    assert "customer_reply_timeout: {'rejected': 0}" in tick(now + timedelta(hours=47))
    assert RefundRequest.objects.get(pk=pending["id"]).status == "awaiting_customer"

    later = now + timedelta(hours=49)
    assert "customer_reply_timeout: {'rejected': 1}" in tick(later)
    rejected = RefundRequest.objects.get(pk=pending["id"])
    assert rejected.status == "rejected"
    assert rejected.decision_rule == "C1"
    assert rejected.decided_at == later
    assert rejected.customer_reply_due_at is None
    steps = TimelineEvent.objects.filter(request_id=pending["id"]).count()
    notes = Notification.objects.filter(user=alice).count()

    # A second tick at the same time finds nothing left to do.
    assert "customer_reply_timeout: {'rejected': 0}" in tick(later)
    again = RefundRequest.objects.get(pk=pending["id"])
    assert (again.status, again.decided_at, again.updated_at) == (
        "rejected",
        later,
        rejected.updated_at,
    )
    assert TimelineEvent.objects.filter(request_id=pending["id"]).count() == steps
    assert Notification.objects.filter(user=alice).count() == notes
