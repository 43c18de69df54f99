"""POST /api/v1/refunds/ against every row of the auto-review table (SPEC
section 4), boundaries included: the first rule that matches decides, and
the request says which rule and why.

The default order is SPEC 3's example: 3 x 10.00, delivery 3.00, packaging
1.00, a 10.00 coupon, paid 24.00 (one unit refunds 7.06).
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from refunds.models import RefundPolicy, RefundRequest
from refunds.policy import Situation, decide
from tests.conftest import client_as
from tests.factories import UserFactory, one_item_order

from .support import (
    delivered_order,
    english,
    file_refund,
    old_customer,
    underway_order,
    upload_id,
)

pytestmark = pytest.mark.django_db

EVIDENCE_REASONS = ["food_quality", "missing_items", "wrong_items", "damaged"]
ALL_REASONS = [
    "not_delivered",
    "late_delivery",
    *EVIDENCE_REASONS,
    "changed_mind",
    "other",
]


def filed(client: Any, order: Any, **fields: Any) -> dict[str, Any]:
    response = file_refund(client, order, **fields)
    assert response.status_code == 201, response.content
    return response.json()


def assert_decided(
    body: dict[str, Any], *, status: str, rule: str, approved: str | None, requested: str = "24.00"
) -> None:
    assert body["status"] == status
    assert body["decision"]["source"] == "auto"
    assert body["decision"]["rule"] == rule
    assert body["requested_amount"] == requested
    assert body["approved_amount"] == approved
    note = body["decision"]["note"]
    assert note
    assert "None" not in note
    assert "%(" not in note


def requests_on(order: Any) -> int:
    return RefundRequest.objects.filter(order=order).count()


# --- R1: nothing (or not that much) left ------------------------------------------


def test_a_second_request_on_a_fully_refunded_order_is_not_refundable(now):
    customer = UserFactory(role="customer")
    client = client_as(customer)
    order = underway_order(customer, now, status="placed")
    filed(client, order, reason="other")

    response = file_refund(client, order, reason="other")

    assert response.status_code == 400
    assert response.json()["code"] == "not_refundable"
    assert response.json()["rule"] == "R1"
    assert requests_on(order) == 1


def test_more_units_than_the_line_has_are_not_refundable(now):
    customer = UserFactory(role="customer")
    order = underway_order(customer, now, status="placed")
    item = order.items.get()

    response = file_refund(
        client_as(customer), order, reason="other", items=[{"item": item.pk, "quantity": 4}]
    )

    assert response.status_code == 400
    assert response.json()["code"] == "not_refundable"
    assert requests_on(order) == 0


def test_more_units_than_are_left_are_not_refundable(now):
    customer = UserFactory(role="customer")
    client = client_as(customer)
    order = underway_order(customer, now, status="placed")
    item = order.items.get()
    filed(client, order, reason="other", items=[{"item": item.pk, "quantity": 2}])

    response = file_refund(client, order, reason="other", items=[{"item": item.pk, "quantity": 2}])

    assert response.status_code == 400
    assert response.json()["code"] == "not_refundable"
    assert requests_on(order) == 1
    # The one unit that is left can still be refunded.
    last = filed(client, order, reason="other", items=[{"item": item.pk, "quantity": 1}])
    assert last["requested_amount"] == "7.06"


# --- R2: the filing window --------------------------------------------------------


def test_filing_exactly_24_hours_after_delivery_is_still_in_time(now):
    customer = old_customer()
    order = delivered_order(customer, now, ago=timedelta(hours=24))

    body = filed(client_as(customer), order, reason="other")

    assert_decided(body, status="pending_review", rule="R15", approved=None)


def test_filing_more_than_24_hours_after_delivery_is_refused(now):
    customer = old_customer()
    order = delivered_order(customer, now, ago=timedelta(hours=24, seconds=1))

    response = file_refund(english(client_as(customer)), order, reason="food_quality")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "window_closed"
    assert body["rule"] == "R2"
    assert datetime.fromisoformat(body["closed_at"]) == order.delivered_at + timedelta(hours=24)
    assert "24 h after delivery" in body["detail"]
    assert requests_on(order) == 0


def test_the_window_runs_from_delivery_not_from_the_promised_time(now):
    customer = old_customer()
    # Promised 26 h ago, delivered 3 h late, 23 h ago: still in time.
    order = delivered_order(customer, now, ago=timedelta(hours=23), late=timedelta(hours=3))

    body = filed(client_as(customer), order, reason="late_delivery")

    assert_decided(body, status="approved", rule="R9", approved="24.00")


@pytest.mark.parametrize("status", ["placed", "accepted", "picked_up"])
def test_a_never_delivered_order_closes_24_hours_after_its_promised_time(now, status):
    customer = old_customer()
    late = underway_order(customer, now, status=status, promised_ago=timedelta(hours=24, minutes=1))
    in_time = underway_order(customer, now, status=status, promised_ago=timedelta(hours=23))
    client = client_as(customer)

    refused_body = file_refund(client, late, reason="not_delivered").json()
    accepted = filed(client, in_time, reason="not_delivered")

    assert refused_body["code"] == "window_closed"
    assert datetime.fromisoformat(refused_body["closed_at"]) == late.promised_at + timedelta(
        hours=24
    )
    assert accepted["status"] == "approved"
    assert accepted["decision"]["rule"] == ("R4" if status == "placed" else "R6")


# --- R3: one open request per order -----------------------------------------------


def test_a_second_request_while_one_is_under_review_is_a_conflict(now):
    customer = old_customer()
    client = client_as(customer)
    order = underway_order(customer, now, status="accepted")
    item = order.items.get()
    first = filed(client, order, reason="other", items=[{"item": item.pk, "quantity": 1}])
    assert first["status"] == "pending_review"

    response = file_refund(client, order, reason="other", items=[{"item": item.pk, "quantity": 1}])

    assert response.status_code == 409
    assert response.json()["code"] == "request_open"
    assert response.json()["rule"] == "R3"
    assert response.json()["request"] == first["id"]
    assert requests_on(order) == 1


def test_an_open_request_holding_everything_left_is_named_not_nothing_left(now):
    # The request under review claims the whole order: the customer is told
    # which request is open, not that nothing is left.
    customer = old_customer()
    client = english(client_as(customer))
    order = underway_order(customer, now, status="accepted")
    first = filed(client, order, reason="other")

    response = file_refund(client, order, reason="other")

    assert response.status_code == 409
    assert response.json()["code"] == "request_open"
    assert response.json()["request"] == first["id"]
    assert f"#{first['id']}" in response.json()["detail"]


# --- R9 once per order: lateness is compensated once -------------------------------


def test_a_second_late_delivery_request_is_already_compensated(now):
    customer = old_customer()
    client = english(client_as(customer))
    order = delivered_order(customer, now, late=timedelta(minutes=45))
    first = filed(client, order, reason="late_delivery")
    assert_decided(first, status="approved", rule="R9", approved="12.00")

    response = file_refund(client, order, reason="late_delivery")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "already_compensated"
    assert body["rule"] == "R9"
    assert body["request"] == first["id"]
    assert f"#{first['id']}" in body["detail"]
    assert requests_on(order) == 1
    # Paid once: the one payout of the first request, half of 24.00.
    assert [p["amount"] for p in first["payouts"]] == ["12.00"]


def test_lateness_already_refunded_is_not_compensated_again_after_payout(now):
    customer = old_customer()
    client = client_as(customer)
    order = delivered_order(customer, now, late=timedelta(minutes=20))
    first = filed(client, order, reason="late_delivery")
    RefundRequest.objects.filter(pk=first["id"]).update(status="refunded")

    response = file_refund(client, order, reason="late_delivery")

    assert response.status_code == 409
    assert response.json()["code"] == "already_compensated"


def test_a_lateness_request_under_review_is_an_open_request(now):
    customer = old_customer()
    client = client_as(customer)
    order = delivered_order(customer, now, late=timedelta(minutes=45))
    first = filed(client, order, reason="late_delivery")
    RefundRequest.objects.filter(pk=first["id"]).update(status="pending_review")

    response = file_refund(client, order, reason="late_delivery")

    assert response.status_code == 409
    assert response.json()["code"] == "request_open"
    assert response.json()["request"] == first["id"]


def test_lateness_within_tolerance_may_be_asked_again_and_another_reason_still_files(now):
    customer = old_customer()
    client = client_as(customer)
    order = delivered_order(customer, now, late=timedelta(minutes=45))
    first = filed(client, order, reason="late_delivery")
    RefundRequest.objects.filter(pk=first["id"]).update(status="rejected")

    again = file_refund(client, order, reason="late_delivery")
    assert again.status_code == 201, again.content

    other = filed(client, order, reason="other")
    assert other["status"] == "pending_review"


# --- R4, R5: the platform's own failures -----------------------------------------


@pytest.mark.parametrize("reason", ALL_REASONS)
def test_an_order_the_merchant_has_not_accepted_is_refunded_in_full(now, reason):
    customer = UserFactory(role="customer")  # a new account: risk never holds R4 back
    order = underway_order(customer, now, status="placed")

    body = filed(client_as(customer), order, reason=reason)

    assert_decided(body, status="approved", rule="R4", approved="24.00")
    assert [(p["method"], p["amount"]) for p in body["payouts"]] == [("alipay", "24.00")]


@pytest.mark.parametrize("status", ["cancelled", "delivery_failed"])
@pytest.mark.parametrize("reason", ["not_delivered", "food_quality", "changed_mind", "other"])
def test_a_cancelled_or_failed_order_is_refunded_in_full(now, status, reason):
    customer = UserFactory(role="customer")
    order = underway_order(customer, now, status=status)

    body = filed(client_as(customer), order, reason=reason)

    assert_decided(body, status="approved", rule="R5", approved="24.00")


# --- R6, R7: not delivered, and the 30 minutes' grace ------------------------------


@pytest.mark.parametrize("status", ["accepted", "picked_up"])
@pytest.mark.parametrize("reason", ["not_delivered", "late_delivery"])
def test_not_delivered_30_minutes_after_the_promised_time_is_refunded(now, status, reason):
    customer = UserFactory(role="customer")
    order = underway_order(
        customer, now, status=status, promised_ago=timedelta(minutes=30, seconds=1)
    )

    body = filed(english(client_as(customer)), order, reason=reason)

    assert_decided(body, status="approved", rule="R6", approved="24.00")
    assert body["decision"]["note"] == (
        "Not delivered 30 min after the promised time: refunded in full."
    )


@pytest.mark.parametrize("reason", ["not_delivered", "late_delivery"])
def test_not_delivered_at_exactly_30_minutes_is_too_early(now, reason):
    customer = old_customer()
    order = underway_order(customer, now, promised_ago=timedelta(minutes=30))

    response = file_refund(client_as(customer), order, reason=reason)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "too_early"
    assert body["rule"] == "R7"
    assert datetime.fromisoformat(body["available_at"]) == now
    assert requests_on(order) == 0


def test_too_early_says_from_when_the_request_may_be_filed(now):
    customer = old_customer()
    order = underway_order(customer, now, status="accepted", promised_ago=timedelta(minutes=10))

    response = file_refund(english(client_as(customer)), order, reason="not_delivered")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "too_early"
    available_at = datetime.fromisoformat(body["available_at"])
    assert available_at == now + timedelta(minutes=20)
    assert "you can report it as not delivered from" in body["detail"]
    # Shown in China Standard Time, as the customer reads a clock.
    assert timezone.localtime(available_at).strftime("%Y-%m-%d %H:%M") in body["detail"]


# --- R8 ---------------------------------------------------------------------------


def test_not_delivered_on_a_delivered_order_goes_to_review(now):
    customer = old_customer()
    order = delivered_order(customer, now)

    body = filed(client_as(customer), order, reason="not_delivered")

    assert_decided(body, status="pending_review", rule="R8", approved=None)


# --- R9: late delivery --------------------------------------------------------------


@pytest.mark.parametrize(
    "late, status, approved",
    [
        (-timedelta(minutes=5), "rejected", None),
        (timedelta(0), "rejected", None),
        (timedelta(minutes=14, seconds=59), "rejected", None),
        (timedelta(minutes=15), "approved", "4.80"),
        (timedelta(minutes=29, seconds=59), "approved", "4.80"),
        (timedelta(minutes=30), "approved", "12.00"),
        (timedelta(minutes=59, seconds=59), "approved", "12.00"),
        (timedelta(minutes=60), "approved", "24.00"),
        (timedelta(hours=3), "approved", "24.00"),
    ],
    ids=["early", "on-time", "14m59", "15m", "29m59", "30m", "59m59", "60m", "3h"],
)
def test_late_delivery_refunds_a_share_of_the_paid_total_by_lateness(now, late, status, approved):
    customer = old_customer()
    order = delivered_order(customer, now, late=late)

    body = filed(client_as(customer), order, reason="late_delivery")

    assert_decided(body, status=status, rule="R9", approved=approved)
    paid = [(p["method"], p["amount"]) for p in body["payouts"]]
    assert paid == ([("alipay", approved)] if approved else [])


def test_the_late_delivery_notes_say_how_late_and_how_much(now):
    customer = old_customer()
    client = english(client_as(customer))
    tolerated = delivered_order(customer, now, late=timedelta(minutes=14, seconds=59))
    refunded = delivered_order(customer, now, late=timedelta(minutes=31))

    rejected = filed(client, tolerated, reason="late_delivery")
    approved = filed(client, refunded, reason="late_delivery")

    assert rejected["decision"]["note"] == (
        "Delivered 14 min late, within the 15 min tolerance: no refund under the platform rule."
    )
    assert approved["decision"]["note"] == (
        "Delivered 31 min late: 50 % refunded under the platform rule."
    )


def test_late_delivery_is_capped_at_the_requested_items(now):
    customer = old_customer()
    order = delivered_order(customer, now, late=timedelta(minutes=45))
    item = order.items.get()

    body = filed(
        client_as(customer),
        order,
        reason="late_delivery",
        items=[{"item": item.pk, "quantity": 1}],
    )

    # 50 % of 24.00 is 12.00, but one unit refunds only 7.06.
    assert_decided(body, status="approved", rule="R9", approved="7.06", requested="7.06")


def test_late_delivery_is_capped_at_what_is_still_refundable(now):
    customer = old_customer()
    client = client_as(customer)
    order = delivered_order(customer, now, late=timedelta(minutes=75))
    item = order.items.get()
    photo = upload_id(client, seed=1)
    first = filed(
        client,
        order,
        reason="damaged",
        items=[{"item": item.pk, "quantity": 1}],
        evidence=[photo],
    )
    assert first["status"] == "approved"
    assert first["approved_amount"] == "7.06"

    body = filed(client, order, reason="late_delivery")

    # 100 % of 24.00, less the 7.06 already refunded.
    assert_decided(body, status="approved", rule="R9", approved="16.94", requested="16.94")


def test_a_late_delivery_share_that_rounds_to_nothing_is_rejected_not_approved_at_zero(now):
    # 20 % of 0.02 is 0.004: an "approval" of 0.00 would never be paid out.
    customer = old_customer()
    order = delivered_order(customer, now, late=timedelta(minutes=20), **one_item_order("0.02"))

    body = filed(english(client_as(customer)), order, reason="late_delivery")

    assert_decided(body, status="rejected", rule="R9", approved=None, requested="0.02")
    assert body["decision"]["note"] == (
        "Delivered 20 min late: 20 % of the amount paid rounds to nothing, so there is no refund."
    )


# --- R10 - R12: food problems and photos ----------------------------------------------


@pytest.mark.parametrize("reason", EVIDENCE_REASONS)
def test_a_food_problem_without_a_photo_is_refused(now, reason):
    customer = old_customer()
    order = delivered_order(customer, now)

    response = file_refund(client_as(customer), order, reason=reason)

    assert response.status_code == 400
    assert response.json()["code"] == "evidence_required"
    assert response.json()["rule"] == "R10"
    assert requests_on(order) == 0


@pytest.mark.parametrize("reason", EVIDENCE_REASONS)
def test_a_food_problem_with_a_photo_within_the_limit_is_approved(now, reason):
    customer = old_customer()
    client = client_as(customer)
    order = delivered_order(customer, now)

    body = filed(client, order, reason=reason, evidence=[upload_id(client)])

    assert_decided(body, status="approved", rule="R11", approved="24.00")
    assert len(body["evidence"]) == 1


@pytest.mark.parametrize(
    "paid, status, rule, approved",
    [
        ("29.99", "approved", "R11", "29.99"),
        ("30.00", "approved", "R11", "30.00"),
        ("30.01", "pending_review", "R12", None),
        ("150.00", "pending_review", "R12", None),
    ],
)
def test_the_auto_approve_limit_is_30_yuan_inclusive(now, paid, status, rule, approved):
    customer = old_customer()
    client = client_as(customer)
    order = delivered_order(customer, now, **one_item_order(paid))

    body = filed(client, order, reason="food_quality", evidence=[upload_id(client)])

    assert_decided(body, status=status, rule=rule, approved=approved, requested=paid)


# --- R13 - R15 ---------------------------------------------------------------------------


def test_changing_ones_mind_while_the_merchant_prepares_goes_to_review(now):
    customer = old_customer()
    order = underway_order(customer, now, status="accepted")

    body = filed(client_as(customer), order, reason="changed_mind")

    assert_decided(body, status="pending_review", rule="R13", approved=None)


@pytest.mark.parametrize("status", ["picked_up", "delivered"])
def test_changing_ones_mind_once_the_food_is_on_its_way_is_rejected(now, status):
    customer = old_customer()
    if status == "delivered":
        order = delivered_order(customer, now)
    else:
        order = underway_order(customer, now, status=status)

    body = filed(english(client_as(customer)), order, reason="changed_mind")

    assert_decided(body, status="rejected", rule="R14", approved=None)
    assert "policy" in body["decision"]["note"]
    assert body["payouts"] == []


@pytest.mark.parametrize("status", ["accepted", "picked_up", "delivered"])
def test_other_reasons_go_to_review(now, status):
    customer = old_customer()
    if status == "delivered":
        order = delivered_order(customer, now)
    else:
        order = underway_order(customer, now, status=status)

    body = filed(client_as(customer), order, reason="other")

    assert_decided(body, status="pending_review", rule="R15", approved=None)


# --- Risk holds R9 and R11 back, never R4 - R6 -----------------------------------------


def test_a_risk_flag_holds_a_late_delivery_refund_for_review(now):
    customer = UserFactory(role="customer")  # joined today: new_account
    order = delivered_order(customer, now, late=timedelta(minutes=20))

    body = filed(english(client_as(customer)), order, reason="late_delivery")

    assert_decided(body, status="pending_review", rule="R9", approved=None)
    assert body["payouts"] == []
    assert body["decision"]["note"] == (
        "Your request meets the rule, but an agent checks it before the refund."
    )


def test_a_risk_flag_holds_a_photo_refund_for_review(now):
    customer = UserFactory(role="customer")
    client = client_as(customer)
    order = delivered_order(customer, now)

    body = filed(client, order, reason="food_quality", evidence=[upload_id(client)])

    assert_decided(body, status="pending_review", rule="R11", approved=None)
    assert body["payouts"] == []


def test_a_high_amount_alone_holds_a_late_delivery_refund(now):
    customer = old_customer()
    order = delivered_order(customer, now, late=timedelta(hours=2), **one_item_order("250.00"))

    body = filed(client_as(customer), order, reason="late_delivery")

    assert_decided(body, status="pending_review", rule="R9", approved=None, requested="250.00")


@pytest.mark.parametrize(
    "status, reason, rule",
    [
        ("placed", "food_quality", "R4"),
        ("cancelled", "other", "R5"),
        ("delivery_failed", "not_delivered", "R5"),
        ("picked_up", "not_delivered", "R6"),
    ],
)
def test_risk_never_holds_back_the_platforms_own_failures(now, status, reason, rule):
    # A new account with a high amount: two flags.
    customer = UserFactory(role="customer")
    order = underway_order(
        customer, now, status=status, promised_ago=timedelta(hours=1), **one_item_order("250.00")
    )

    body = filed(client_as(customer), order, reason=reason)

    assert_decided(body, status="approved", rule=rule, approved="250.00", requested="250.00")
    request = RefundRequest.objects.get(pk=body["id"])
    assert set(request.risk_flags) == {"new_account", "high_amount"}


# --- The note, in both languages ----------------------------------------------------------


def test_the_decision_note_follows_the_readers_language(now):
    customer = old_customer()
    order = delivered_order(customer, now, late=timedelta(minutes=20))
    refund = filed(client_as(customer), order, reason="late_delivery")
    url = f"/api/v1/refunds/{refund['id']}/"

    chinese = client_as(customer).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    english_body = client_as(customer).get(url, HTTP_ACCEPT_LANGUAGE="en").json()

    assert english_body["decision"]["note"] == (
        "Delivered 20 min late: 20 % refunded under the platform rule."
    )
    assert chinese["decision"]["rule"] == english_body["decision"]["rule"] == "R9"
    zh_note = chinese["decision"]["note"]
    assert "20" in zh_note
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh_note), zh_note


def test_a_refusal_is_explained_in_the_readers_language(now):
    customer = old_customer()
    order = delivered_order(customer, now)

    english_body = file_refund(english(client_as(customer)), order, reason="damaged").json()
    chinese = file_refund(client_as(customer), order, reason="damaged").json()

    assert english_body["detail"] == "Please add a photo that shows the problem."
    assert chinese["code"] == english_body["code"] == "evidence_required"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese["detail"]), chinese["detail"]


# --- decide() on its own --------------------------------------------------------------------


MOMENT = datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# Small amounts too: a share of a few cents is where rounding bites.
amounts = st.one_of(
    st.decimals(min_value=Decimal("0.00"), max_value=Decimal("0.20"), places=2),
    st.decimals(min_value=Decimal("0.00"), max_value=Decimal("5000.00"), places=2),
)
offsets = st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60).map(
    lambda minutes: timedelta(minutes=minutes)
)


@st.composite
def situations(draw: Any) -> Situation:
    status = draw(
        st.sampled_from(
            ["placed", "accepted", "picked_up", "delivered", "cancelled", "delivery_failed"]
        )
    )
    promised_at = MOMENT + draw(offsets)
    delivered_at = promised_at + draw(offsets) if status == "delivered" else None
    paid = draw(amounts)
    requested = draw(amounts.filter(lambda a: a <= paid)) if paid else Decimal("0.00")
    return Situation(
        now=MOMENT,
        reason=draw(st.sampled_from(ALL_REASONS)),
        order_status=status,
        promised_at=promised_at,
        delivered_at=delivered_at,
        paid_total=paid,
        requested_amount=requested,
        nothing_left=draw(st.booleans()) and requested == 0,
        quantity_over=draw(st.booleans()),
        has_photo=draw(st.booleans()),
        open_request=draw(st.none() | st.integers(min_value=1, max_value=10**6)),
        late_compensated_by=draw(st.none() | st.integers(min_value=1, max_value=10**6)),
        risk_flags=tuple(
            draw(
                st.lists(
                    st.sampled_from(
                        ["frequent_refunder", "new_account", "duplicate_evidence", "high_amount"]
                    ),
                    unique=True,
                    max_size=4,
                )
            )
        ),
    )


POLICY = RefundPolicy()  # the defaults, unsaved


@given(situations())
def test_decide_never_grants_more_than_requested_and_refusals_say_why(situation):
    decision = decide(situation, POLICY)

    assert decision.rule in {f"R{n}" for n in range(1, 16)}
    assert Decimal("0.00") <= decision.amount <= situation.requested_amount
    assert decision.amount == decision.amount.quantize(Decimal("0.01"))
    if decision.refused:
        assert decision.code
        assert decision.http_status in (400, 409)
        assert decision.amount == 0
    else:
        assert decision.code == ""
        assert decision.http_status == 0
        assert decision.outcome in ("approved", "rejected", "pending_review")
    if decision.outcome == "approved":
        assert decision.amount > 0
        assert decision.rule in ("R4", "R5", "R6", "R9", "R11")
        if decision.rule in ("R9", "R11"):
            assert not situation.risk_flags
    if decision.outcome == "rejected":
        assert decision.amount == 0


@given(
    paid=amounts.filter(lambda a: a > 0),
    share=st.fractions(min_value=0, max_value=1),
    late=st.integers(min_value=0, max_value=240).map(lambda m: timedelta(minutes=m)),
)
def test_late_delivery_approves_a_positive_amount_within_the_request(paid, share, late):
    requested = max(
        (paid * Decimal(share.numerator) / share.denominator).quantize(Decimal("0.01")),
        Decimal("0.01"),
    )
    situation = Situation(
        now=MOMENT,
        reason="late_delivery",
        order_status="delivered",
        promised_at=MOMENT - timedelta(hours=5),
        delivered_at=MOMENT - timedelta(hours=5) + late,
        paid_total=paid,
        requested_amount=min(requested, paid),
    )

    decision = decide(situation, POLICY)

    assert decision.rule == "R9"
    assert decision.outcome in ("approved", "rejected")
    if decision.outcome == "approved":
        assert Decimal("0.01") <= decision.amount <= situation.requested_amount
    else:
        assert decision.amount == 0
