"""What a customer does with a request after filing it: cancel, appeal,
feedback (POST /api/v1/refunds/{id}/cancel|appeal|feedback/); that nobody
else can; the append-only timeline; and the notifications each step sends."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail

from notifications import presenters
from notifications.models import Notification
from refundportal import clock
from refunds import services
from refunds.models import Evidence, Feedback, RefundRequest, TimelineEvent
from tests.conftest import client_as
from tests.factories import RefundRequestFactory, UserFactory, create_order, one_item_order

from .support import (
    REFUNDS,
    delivered_order,
    english,
    file_refund,
    old_customer,
    refund_url,
    underway_order,
    upload_id,
)

pytestmark = pytest.mark.django_db


def filed(client: Any, order: Any, **fields: Any) -> dict[str, Any]:
    response = file_refund(client, order, **fields)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def alice(now: Any) -> Any:
    return old_customer(email="alice@example.com")


@pytest.fixture
def client(alice: Any) -> Any:
    return english(client_as(alice))


@pytest.fixture
def pending(now: Any, alice: Any, client: Any) -> dict[str, Any]:
    """Under review: rule 15 on a delivered order."""
    body = filed(client, delivered_order(alice, now), reason="other")
    assert body["status"] == "pending_review"
    return body


@pytest.fixture
def rejected(now: Any, alice: Any, client: Any) -> dict[str, Any]:
    """Rejected at once: a change of mind on a delivered order (rule 14)."""
    body = filed(client, delivered_order(alice, now), reason="changed_mind")
    assert body["status"] == "rejected"
    return body


@pytest.fixture
def approved(now: Any, alice: Any, client: Any) -> dict[str, Any]:
    """Approved at once: the merchant had not accepted the order (rule 4)."""
    body = filed(client, underway_order(alice, now, status="placed"), reason="other")
    assert body["status"] == "approved"
    return body


@pytest.fixture
def refunded(now: Any, alice: Any) -> dict[str, Any]:
    refund = RefundRequestFactory(
        order=create_order(customer=alice), status="refunded", requested_amount="24.00"
    )
    return {"id": refund.pk, "status": "refunded"}


def act(client: Any, refund: dict[str, Any], action: str, **body: Any) -> Any:
    return client.post(refund_url(refund["id"], action), body, format="json")


def status_of(refund: dict[str, Any]) -> str:
    return RefundRequest.objects.get(pk=refund["id"]).status


def senior_rejects(refund_id: int, note: str = "照片看不出问题") -> None:
    services.refund_decide(
        refund=RefundRequest.objects.get(pk=refund_id),
        agent=UserFactory(role="senior_agent"),
        decision="reject",
        note=note,
    )


# --- Cancel -----------------------------------------------------------------------------


def test_a_request_under_review_can_be_cancelled(client, pending):
    response = act(client, pending, "cancel")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["timeline"][-1]["from_status"] == "pending_review"
    assert body["timeline"][-1]["to_status"] == "cancelled"
    assert body["timeline"][-1]["actor_role"] == "customer"


@pytest.mark.parametrize("state", ["approved", "rejected", "refunded"])
def test_a_decided_request_cannot_be_cancelled(request, client, state):
    refund = request.getfixturevalue(state)

    response = act(client, refund, "cancel")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert status_of(refund) == state


def test_a_cancelled_request_cannot_be_cancelled_again(client, pending):
    assert act(client, pending, "cancel").status_code == 200

    response = act(client, pending, "cancel")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


# --- Appeal ---------------------------------------------------------------------------------


def test_a_rejection_can_be_appealed_within_7_days(now, client, rejected):
    assert rejected["can_appeal"] is True
    later = now + timedelta(days=7)

    with clock.frozen_at(later):
        # A week later the customer logs in again: API tokens end when idle.
        client = english(client_as(client.user))
        response = act(client, rejected, "appeal", reason="骑手已经取餐，但我是在取餐前取消的")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "pending_review"
    assert body["sla"]["escalated"] is True
    assert body["can_appeal"] is False
    assert body["approved_amount"] is None
    assert body["timeline"][-1] == {
        "at": body["timeline"][-1]["at"],
        "from_status": "rejected",
        "to_status": "pending_review",
        "actor_role": "customer",
        "note": "骑手已经取餐，但我是在取餐前取消的",
    }
    refund = RefundRequest.objects.get(pk=rejected["id"])
    assert refund.review_due_at == later + timedelta(hours=24)
    assert refund.appeal.reason == "骑手已经取餐，但我是在取餐前取消的"


def test_an_appeal_after_7_days_is_a_conflict(now, client, rejected):
    with clock.frozen_at(now + timedelta(days=7, seconds=1)):
        client = english(client_as(client.user))  # logged in again: tokens end when idle
        assert client.get(refund_url(rejected["id"])).json()["can_appeal"] is False
        response = act(client, rejected, "appeal", reason="我出差了")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert status_of(rejected) == "rejected"


def test_a_request_is_appealed_once(client, rejected):
    assert act(client, rejected, "appeal", reason="请再看看").status_code == 200
    senior_rejects(rejected["id"])
    assert client.get(refund_url(rejected["id"])).json()["can_appeal"] is False

    response = act(client, rejected, "appeal", reason="再申诉一次")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert status_of(rejected) == "rejected"


def test_an_appeal_while_under_review_is_a_conflict(client, rejected):
    assert act(client, rejected, "appeal", reason="请再看看").status_code == 200

    response = act(client, rejected, "appeal", reason="请再看看")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


@pytest.mark.parametrize("state", ["pending", "approved", "refunded"])
def test_only_a_rejection_can_be_appealed(request, client, state):
    refund = request.getfixturevalue(state)

    response = act(client, refund, "appeal", reason="为什么")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_an_appeal_without_a_reason_is_a_validation_error(client, rejected):
    response = act(client, rejected, "appeal")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "reason" in response.json()["fields"]


def test_an_appeal_brings_more_photos(client, rejected):
    photos = [upload_id(client, seed) for seed in (11, 12)]

    body = act(client, rejected, "appeal", reason="补充照片", evidence=photos).json()

    assert [e["id"] for e in body["evidence"]] == photos
    assert all(Evidence.objects.get(pk=p).for_appeal for p in photos)


def test_an_appeal_cannot_bring_the_request_above_6_photos(now, alice, client):
    first = [upload_id(client, seed) for seed in range(5)]
    refund = filed(
        client,
        delivered_order(alice, now, **one_item_order("80.00")),
        reason="damaged",
        evidence=first,
    )
    assert refund["status"] == "pending_review"  # above the 30.00 limit
    senior_rejects(refund["id"])
    more = [upload_id(client, seed) for seed in (21, 22)]

    response = act(client, refund, "appeal", reason="还有两张", evidence=more)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert status_of(refund) == "rejected"
    assert not Evidence.objects.filter(pk__in=more, request__isnull=False).exists()


def test_an_appeal_waits_while_another_request_on_the_order_is_open(now, alice, client):
    order = delivered_order(alice, now)
    item = order.items.get()
    one = [{"item": item.pk, "quantity": 1}]
    rejected = filed(client, order, reason="changed_mind", items=one)
    filed(client, order, reason="other", items=one)

    response = act(client, rejected, "appeal", reason="请再看看")

    assert response.status_code == 409
    assert response.json()["code"] == "request_open"


def test_an_appeal_cannot_claim_money_another_request_has_since_refunded(now, alice, client):
    # The rejection gave its claim back; a later request took all of it.
    order = delivered_order(alice, now)
    rejected = filed(client, order, reason="changed_mind")
    later = filed(client, order, reason="food_quality", evidence=[upload_id(client)])
    assert later["approved_amount"] == "24.00"

    response = act(client, rejected, "appeal", reason="请再看看")

    assert response.status_code == 400
    assert response.json()["code"] == "not_refundable"
    assert status_of(rejected) == "rejected"
    assert client.get(f"/api/v1/orders/{order.number}/").json()["refundable_total"] == "0.00"


def test_the_automatic_note_still_explains_the_rejection_after_an_appeal(now, alice, client):
    order = delivered_order(alice, now, late=timedelta(minutes=10))
    rejected = filed(client, order, reason="late_delivery")
    note = rejected["decision"]["note"]
    assert note.startswith("Delivered 10 min late, within the 15 min tolerance")

    body = act(client, rejected, "appeal", reason="其实晚了半小时").json()

    assert body["status"] == "pending_review"
    assert body["decision"]["note"] == note
    assert body["timeline"][0]["note"] == note


# --- Feedback -----------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["rejected", "refunded"])
def test_feedback_is_given_once_a_request_is_closed(request, client, state):
    refund = request.getfixturevalue(state)

    response = act(client, refund, "feedback", rating=4, comment="处理很快")

    assert response.status_code == 201
    assert response.json()["can_give_feedback"] is False
    feedback = Feedback.objects.get(request_id=refund["id"])
    assert (feedback.rating, feedback.comment) == (4, "处理很快")


@pytest.mark.parametrize("rating", [0, 6, -1, "five", None])
def test_a_rating_outside_1_to_5_is_refused(client, rejected, rating):
    response = act(client, rejected, "feedback", rating=rating)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "rating" in response.json()["fields"]
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("rating", [1, 5])
def test_ratings_1_and_5_are_accepted(client, rejected, rating):
    assert act(client, rejected, "feedback", rating=rating).status_code == 201


def test_feedback_twice_is_a_conflict(client, rejected):
    assert act(client, rejected, "feedback", rating=5).status_code == 201

    response = act(client, rejected, "feedback", rating=1)

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Feedback.objects.get().rating == 5


@pytest.mark.parametrize("state", ["pending", "approved"])
def test_feedback_on_an_open_request_is_a_conflict(request, client, state):
    refund = request.getfixturevalue(state)

    response = act(client, refund, "feedback", rating=3)

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


# --- Another customer's request -----------------------------------------------------------------


@pytest.mark.parametrize(
    "method, action, body",
    [
        ("get", "", None),
        ("post", "cancel", {}),
        ("post", "appeal", {"reason": "看看"}),
        ("post", "feedback", {"rating": 1}),
    ],
)
@pytest.mark.parametrize("state", ["pending", "rejected"])
def test_another_customers_request_is_not_found(request, state, method, action, body):
    refund = request.getfixturevalue(state)
    mallory = client_as(UserFactory(role="customer"))

    response = getattr(mallory, method)(refund_url(refund["id"], action), body, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert status_of(refund) == state.replace("pending", "pending_review")
    assert not Feedback.objects.exists()


def test_another_customers_requests_are_not_listed(pending):
    mallory = client_as(UserFactory(role="customer"))

    assert mallory.get(REFUNDS).json()["count"] == 0


# --- The timeline ------------------------------------------------------------------------------


def test_the_timeline_lists_every_transition_with_who_made_it(client, rejected):
    act(client, rejected, "appeal", reason="请再看看")
    senior_rejects(rejected["id"], note="维持原判")

    timeline = client.get(refund_url(rejected["id"])).json()["timeline"]

    assert [(e["from_status"], e["to_status"], e["actor_role"]) for e in timeline] == [
        (None, "rejected", "system"),
        ("rejected", "pending_review", "customer"),
        ("pending_review", "rejected", "senior_agent"),
    ]
    assert timeline[-1]["note"] == "维持原判"
    assert all(event["at"] for event in timeline)


def test_a_timeline_event_cannot_be_edited(pending):
    event = TimelineEvent.objects.get(request_id=pending["id"])
    event.note = "rewritten"

    with pytest.raises(PermissionError):
        event.save()

    assert TimelineEvent.objects.get(pk=event.pk).note != "rewritten"


def test_a_timeline_event_cannot_be_deleted(pending):
    event = TimelineEvent.objects.get(request_id=pending["id"])

    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        TimelineEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        TimelineEvent.objects.all().delete()

    assert TimelineEvent.objects.filter(pk=event.pk).exists()


def test_the_timeline_cannot_be_rewritten_in_bulk(pending):
    with pytest.raises(PermissionError):
        TimelineEvent.objects.filter(request_id=pending["id"]).update(note="rewritten")
    with pytest.raises(PermissionError):
        TimelineEvent.objects.update(to_status="approved")

    assert TimelineEvent.objects.get(request_id=pending["id"]).to_status == "pending_review"


# --- Notifications -----------------------------------------------------------------------------


def notifications_of(user: Any) -> list[str]:
    return list(
        Notification.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("event", flat=True)
    )


def test_filing_notifies_the_customer_in_app_and_by_email_after_commit(
    now, alice, client, django_capture_on_commit_callbacks
):
    order = delivered_order(alice, now)

    with django_capture_on_commit_callbacks(execute=True):
        refund = filed(client, order, reason="other")

    assert notifications_of(alice) == ["refund_submitted"]
    note = Notification.objects.get(user=alice)
    assert order.number in presenters.title(note, "zh-hans")
    assert order.number in presenters.title(note, "en")
    assert note.link == f"/refunds/{refund['id']}/"
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["alice@example.com"]
    titles = [presenters.title(note, "zh-hans"), presenters.title(note, "en")]
    assert email.subject == " / ".join(titles)
    assert "¥24.00" in email.body


def test_no_email_leaves_before_the_commit(now, alice, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        filed(client, delivered_order(alice, now), reason="other")

    assert notifications_of(alice) == ["refund_submitted"]
    assert mail.outbox == []
    assert callbacks  # the e-mail waits for the commit


def test_a_customer_without_an_email_address_is_notified_in_app_only(
    now, django_capture_on_commit_callbacks
):
    customer = old_customer(email="")

    with django_capture_on_commit_callbacks(execute=True):
        filed(client_as(customer), delivered_order(customer, now), reason="changed_mind")

    assert notifications_of(customer) == ["refund_rejected"]
    assert mail.outbox == []


def test_cancelling_notifies_the_customer(
    alice, client, pending, django_capture_on_commit_callbacks
):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert act(client, pending, "cancel").status_code == 200

    assert notifications_of(alice) == ["refund_submitted", "refund_cancelled"]
    assert len(mail.outbox) == 1
    assert "cancelled" in mail.outbox[0].subject


def test_appealing_notifies_the_customer(
    alice, client, rejected, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert act(client, rejected, "appeal", reason="请再看看").status_code == 200

    assert notifications_of(alice) == ["refund_rejected", "refund_appealed"]
    assert len(mail.outbox) == 1
    assert "Appeal" in mail.outbox[0].subject


def test_a_refused_action_notifies_nobody(
    alice, client, approved, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert act(client, approved, "cancel").status_code == 409
        assert act(client, approved, "appeal", reason="x").status_code == 409

    assert notifications_of(alice) == ["refund_approved"]
    assert mail.outbox == []
