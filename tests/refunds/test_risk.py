"""Risk signals (SPEC section 5): each flag, the score and level staff see,
and that customers never see them."""

import io
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from accounts.services import user_create
from refunds.models import Evidence, RefundRequest
from tests.conftest import client_as
from tests.factories import (
    RefundRequestFactory,
    UserFactory,
    create_order,
    one_item_order,
    photo_bytes,
)

from .support import (
    EVIDENCE,
    REFUNDS,
    delivered_order,
    file_refund,
    old_customer,
    refund_url,
    upload_id,
)

pytestmark = pytest.mark.django_db


def filed(customer: Any, order: Any, **fields: Any) -> dict[str, Any]:
    response = file_refund(client_as(customer), order, **fields)
    assert response.status_code == 201, response.content
    return response.json()


def risk_seen_by_staff(refund_id: int) -> dict[str, Any]:
    body = client_as(UserFactory(role="agent")).get(refund_url(refund_id)).json()
    return body["risk"]


def flags_of(refund_id: int) -> list[str]:
    return risk_seen_by_staff(refund_id)["flags"]


def other_requests(customer: Any, count: int, **fields: Any) -> None:
    for _ in range(count):
        RefundRequestFactory(order=create_order(customer=customer), **fields)


# --- frequent_refunder ------------------------------------------------------------


@pytest.mark.parametrize(
    "history, flagged",
    [
        ({"approved": 2}, False),
        ({"approved": 3}, True),
        ({"rejected": 1, "refunded": 1, "pending_review": 1}, True),
        ({"approved": 2, "cancelled": 3}, False),
    ],
    ids=["two", "three", "any-status", "cancelled-do-not-count"],
)
def test_three_other_requests_in_30_days_make_a_frequent_refunder(now, history, flagged):
    customer = old_customer()
    for status, count in history.items():
        other_requests(customer, count, status=status)
    order = delivered_order(customer, now)

    refund = filed(customer, order, reason="other")

    assert ("frequent_refunder" in flags_of(refund["id"])) is flagged


def test_only_the_last_30_days_count(now):
    customer = old_customer()
    other_requests(customer, 2, status="approved")
    other_requests(customer, 1, status="approved", created_at=now - timedelta(days=30))
    other_requests(customer, 5, status="approved", created_at=now - timedelta(days=30, seconds=1))

    refund = filed(customer, delivered_order(customer, now), reason="other")

    # Two recent ones and one exactly 30 days old: three.
    assert flags_of(refund["id"]) == ["frequent_refunder"]


def test_a_frequent_refunder_waits_for_an_agent(now):
    customer = old_customer()
    other_requests(customer, 3, status="refunded")
    client = client_as(customer)
    order = delivered_order(customer, now)

    refund = filed(customer, order, reason="damaged", evidence=[upload_id(client)])

    assert refund["status"] == "pending_review"
    assert refund["decision"]["rule"] == "R11"


# --- new_account --------------------------------------------------------------------


@pytest.mark.parametrize("days, flagged", [(0, True), (6, True), (7, False), (30, False)])
def test_an_account_younger_than_7_days_is_new(now, days, flagged):
    customer = user_create(username=f"joined-{days}", role="customer", joined_days_ago=days)

    refund = filed(customer, delivered_order(customer, now), reason="other")

    assert ("new_account" in flags_of(refund["id"])) is flagged


def test_an_account_one_second_short_of_7_days_is_still_new(now):
    customer = UserFactory(
        role="customer", date_joined=now - timedelta(days=7) + timedelta(seconds=1)
    )

    refund = filed(customer, delivered_order(customer, now), reason="other")

    assert flags_of(refund["id"]) == ["new_account"]


# --- duplicate_evidence -------------------------------------------------------------


def upload_bytes(customer: Any, data: bytes, name: str = "photo.jpg") -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_as(customer).post(
        EVIDENCE, {"file": SimpleUploadedFile(name, data, "image/jpeg")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


@pytest.fixture
def first_use(now: Any) -> Any:
    """Customer A's request, with the photo of seed 7."""
    alice = old_customer()
    order = delivered_order(alice, now)
    refund = filed(alice, order, reason="food_quality", evidence=[upload_id(client_as(alice), 7)])
    assert refund["status"] == "approved"
    return refund


def altered_copy(seed: int) -> bytes:
    """The same picture, resized and re-encoded at a lower quality."""
    original = Image.open(io.BytesIO(photo_bytes(seed)))
    return photo_bytes(image=original.resize((200, 200)), quality=60)


@pytest.mark.parametrize(
    "data",
    [lambda: photo_bytes(7), lambda: altered_copy(7)],
    ids=["same-file", "resized-and-re-encoded"],
)
def test_a_photo_already_used_on_another_request_is_duplicate_evidence(now, first_use, data):
    bob = old_customer()
    photo = upload_bytes(bob, data())

    refund = filed(bob, delivered_order(bob, now), reason="food_quality", evidence=[photo])

    # Held for an agent instead of approved at once (rule 11).
    assert refund["status"] == "pending_review"
    risk = risk_seen_by_staff(refund["id"])
    assert risk == {"score": 45, "level": "high", "flags": ["duplicate_evidence"]}
    assert flags_of(first_use["id"]) == []
    reasons = RefundRequest.objects.get(pk=refund["id"]).risk_reasons["duplicate_evidence"]
    assert reasons["photo"] == photo
    assert reasons["matches"] == [first_use["evidence"][0]["id"]]


def test_the_altered_copy_is_caught_by_its_look_not_its_bytes(now, first_use):
    bob = old_customer()
    photo = upload_bytes(bob, altered_copy(7))

    refund = filed(bob, delivered_order(bob, now), reason="damaged", evidence=[photo])

    alices = Evidence.objects.get(pk=first_use["evidence"][0]["id"])
    bobs = Evidence.objects.get(pk=photo)
    assert bobs.sha256 != alices.sha256
    assert (bobs.width, alices.width) == (200, 256)
    assert "duplicate_evidence" in flags_of(refund["id"])


def test_a_different_photo_is_not_a_duplicate(now, first_use):
    bob = old_customer()
    photo = upload_id(client_as(bob), seed=8)

    refund = filed(bob, delivered_order(bob, now), reason="food_quality", evidence=[photo])

    assert refund["status"] == "approved"
    assert flags_of(refund["id"]) == []


def test_a_photo_never_attached_to_a_request_is_no_duplicate(now):
    alice, bob = old_customer(), old_customer()
    upload_id(client_as(alice), seed=9)  # uploaded, never used
    photo = upload_id(client_as(bob), seed=9)

    refund = filed(bob, delivered_order(bob, now), reason="damaged", evidence=[photo])

    assert flags_of(refund["id"]) == []


# --- high_amount ----------------------------------------------------------------------


@pytest.mark.parametrize("paid, flagged", [("200.00", False), ("200.01", True)])
def test_more_than_200_yuan_is_a_high_amount(now, paid, flagged):
    customer = old_customer()
    order = delivered_order(customer, now, **one_item_order(paid))

    refund = filed(customer, order, reason="other")

    assert ("high_amount" in flags_of(refund["id"])) is flagged


# --- Score, level, and who sees them ---------------------------------------------------


def test_no_flag_is_low_risk(now):
    customer = old_customer()

    refund = filed(customer, delivered_order(customer, now), reason="other")

    assert risk_seen_by_staff(refund["id"]) == {"score": 0, "level": "low", "flags": []}


def test_flags_add_up_to_the_score(now):
    customer = UserFactory(role="customer")  # new
    other_requests(customer, 3, status="approved")
    order = delivered_order(customer, now, **one_item_order("300.00"))

    refund = filed(customer, order, reason="other")

    risk = risk_seen_by_staff(refund["id"])
    assert set(risk["flags"]) == {"frequent_refunder", "new_account", "high_amount"}
    assert risk["score"] == 70
    assert risk["level"] == "high"


def test_one_small_flag_is_medium_risk(now):
    customer = UserFactory(role="customer")

    refund = filed(customer, delivered_order(customer, now), reason="other")

    assert risk_seen_by_staff(refund["id"]) == {
        "score": 20,
        "level": "medium",
        "flags": ["new_account"],
    }


@pytest.mark.parametrize("role", ["agent", "senior_agent", "finance", "manager"])
def test_staff_see_risk_and_assignee(now, role):
    customer = UserFactory(role="customer")
    refund = filed(customer, delivered_order(customer, now), reason="other")
    staff = client_as(UserFactory(role=role))

    detail = staff.get(refund_url(refund["id"])).json()
    listed = staff.get(REFUNDS).json()["results"][0]

    for body in (detail, listed):
        assert body["risk"]["flags"] == ["new_account"]
        assert set(body["risk"]) == {"score", "level", "flags"}
        assert "assignee" in body
        assert body["assignee"] is None


def test_customers_never_see_risk_or_assignee(now):
    customer = UserFactory(role="customer")  # flagged: new account
    client = client_as(customer)
    order = delivered_order(customer, now)
    created = file_refund(client, order, reason="other").json()

    bodies = [
        created,
        client.get(refund_url(created["id"])).json(),
        client.get(REFUNDS).json()["results"][0],
        client.post(refund_url(created["id"], "cancel")).json(),
    ]

    for body in bodies:
        assert body["id"] == created["id"]
        assert "risk" not in body
        assert "assignee" not in body
        assert "new_account" not in str(body)
