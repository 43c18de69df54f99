"""POST /api/v1/refunds/{id}/decide/: an agent approves a request under
review in full or in part, or rejects it (SPEC 7). A partial approval and a
rejection need a note; the amount is at most the requested one (400
``validation_error`` otherwise); a request is decided once (409
``conflict``); an escalated request is a senior agent's (403 ``forbidden``
for an agent); another agent's live claim is a 409."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from accounts import roles
from orders.services import order_event_add
from payouts.models import Payout
from refundportal import clock
from refunds import services
from refunds.models import RefundRequest
from refunds.states import RefundStatus
from tests.conftest import client_as
from tests.factories import UserFactory, create_order

from .support import old_customer, refund_url

pytestmark = pytest.mark.django_db

REQUESTED = "24.00"  # the whole of create_order's default order
APPROVED = (RefundStatus.APPROVED, RefundStatus.REFUNDED)  # paid at once in-process


def under_review() -> RefundRequest:
    """A request auto-review leaves for an agent: the merchant has accepted
    the order, and the reason is one no rule decides alone."""
    customer = old_customer()
    order = create_order(customer=customer)
    order_event_add(order=order, status="accepted", at=order.placed_at + timedelta(minutes=5))
    refund = services.refund_file(
        customer=customer, order_number=order.number, reason="other"
    ).request
    assert refund.status == RefundStatus.PENDING_REVIEW
    assert str(refund.requested_amount) == REQUESTED
    return refund


def decide(user: Any, refund: RefundRequest, **body: Any) -> Any:
    return client_as(user).post(refund_url(refund.pk, "decide"), body, format="json")


def paid_out(refund: RefundRequest) -> Decimal:
    return sum((p.amount for p in Payout.objects.filter(refund=refund)), Decimal("0.00"))


def unchanged(refund: RefundRequest) -> bool:
    """Still under review, decided by nobody, with no payout."""
    refund.refresh_from_db()
    return (
        refund.status == RefundStatus.PENDING_REVIEW
        and refund.approved_amount is None
        and refund.decided_by_id is None
        and not Payout.objects.filter(refund=refund).exists()
    )


@pytest.fixture
def refund(now: Any) -> RefundRequest:
    return under_review()


@pytest.fixture
def agent(db: Any) -> Any:
    return UserFactory(username="kefu_li", role=roles.AGENT)


@pytest.fixture
def senior(db: Any) -> Any:
    return UserFactory(username="kefu_zhao", role=roles.SENIOR_AGENT)


# --- Approve, in full or in part, or reject -----------------------------------------------


def test_approving_in_full_pays_back_what_was_requested(refund, agent):
    response = decide(agent, refund, decision="approve")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] in APPROVED
    assert body["approved_amount"] == REQUESTED
    assert body["decision"]["source"] == "agent"
    # A person decided: no rule, null rather than an empty string.
    assert body["decision"]["rule"] is None
    assert sum(Decimal(p["amount"]) for p in body["payouts"]) == Decimal(REQUESTED)
    assert paid_out(refund) == Decimal(REQUESTED)


def test_a_partial_approval_pays_the_amount_and_tells_the_customer_why(refund, agent):
    response = decide(agent, refund, decision="approve", amount="12.00", note="只有一份有问题")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"] in APPROVED, body["approved_amount"]) == (True, "12.00")
    assert paid_out(refund) == Decimal("12.00")
    seen = client_as(refund.customer).get(refund_url(refund.pk)).json()
    assert seen["approved_amount"] == "12.00"
    assert "只有一份有问题" in seen["decision"]["note"]


def test_approving_the_requested_amount_is_a_full_approval_and_needs_no_note(refund, agent):
    response = decide(agent, refund, decision="approve", amount=REQUESTED)

    assert response.status_code == 200, response.content
    assert response.json()["approved_amount"] == REQUESTED


def test_a_partial_approval_without_a_note_is_refused(refund, agent):
    response = decide(agent, refund, decision="approve", amount="12.00")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert "note" in body["fields"]
    assert unchanged(refund)


def test_a_rejection_tells_the_customer_why_and_pays_nothing(refund, agent):
    response = decide(agent, refund, decision="reject", note="照片看不出问题")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["approved_amount"]) == ("rejected", None)
    assert body["payouts"] == []
    seen = client_as(refund.customer).get(refund_url(refund.pk)).json()
    assert seen["decision"]["note"] == "照片看不出问题"
    assert seen["can_appeal"] is True


@pytest.mark.parametrize("note", ["", "   "])
def test_a_rejection_without_a_note_is_refused(refund, agent, note):
    response = decide(agent, refund, decision="reject", note=note)

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert "note" in body["fields"]
    assert unchanged(refund)


# --- Amounts --------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["24.01", "100.00"])
def test_an_amount_above_the_requested_one_is_refused(refund, agent, amount):
    response = decide(agent, refund, decision="approve", amount=amount, note="多退一点")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert "amount" in body["fields"]
    assert unchanged(refund)


@pytest.mark.parametrize("amount", ["0.00", "-1.00", "abc"])
def test_an_amount_that_is_not_a_positive_sum_is_refused(refund, agent, amount):
    response = decide(agent, refund, decision="approve", amount=amount, note="x")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert "amount" in response.json()["fields"]
    assert unchanged(refund)


@pytest.mark.parametrize("decision", ["", "maybe", None])
def test_a_decision_other_than_approve_or_reject_is_refused(refund, agent, decision):
    response = decide(agent, refund, decision=decision, note="x")

    assert response.status_code == 400, response.content
    assert "decision" in response.json()["fields"]
    assert unchanged(refund)


# --- Once, and by whom --------------------------------------------------------------------


@pytest.mark.parametrize(
    "second", [{"decision": "approve"}, {"decision": "reject", "note": "再看一次"}]
)
def test_a_request_is_decided_once(refund, agent, second):
    first = decide(agent, refund, decision="approve", amount="10.00", note="部分同意")
    assert first.status_code == 200, first.content

    again = decide(UserFactory(role=roles.AGENT), refund, **second)

    assert again.status_code == 409, again.content
    assert again.json()["code"] == "conflict"
    refund.refresh_from_db()
    assert refund.approved_amount == Decimal("10.00")
    assert paid_out(refund) == Decimal("10.00")


def test_an_escalated_request_is_decided_by_a_senior_agent_only(refund, agent, senior):
    RefundRequest.objects.filter(pk=refund.pk).update(escalated=True)

    by_agent = decide(agent, refund, decision="approve")

    assert by_agent.status_code == 403, by_agent.content
    assert by_agent.json()["code"] == "forbidden"
    assert unchanged(refund)
    by_senior = decide(senior, refund, decision="approve")
    assert by_senior.status_code == 200, by_senior.content
    assert by_senior.json()["approved_amount"] == REQUESTED


def test_another_agents_live_claim_blocks_the_decision_until_it_runs_out(now, refund, agent):
    services.refund_claim(refund=refund, agent=UserFactory(role=roles.AGENT))

    held = decide(agent, refund, decision="approve")
    with clock.frozen_at(now + timedelta(minutes=15)):
        after = decide(agent, refund, decision="approve")

    assert held.status_code == 409, held.content
    assert held.json()["code"] == "conflict"
    assert after.status_code == 200, after.content


def test_the_agent_holding_the_claim_decides(refund, agent):
    services.refund_claim(refund=refund, agent=agent)

    response = decide(agent, refund, decision="reject", note="照片看不出问题")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"


@pytest.mark.parametrize(
    "role", [roles.CUSTOMER, roles.FINANCE, roles.MANAGER, roles.INTEGRATION, None]
)
def test_a_role_that_does_not_review_cannot_decide(refund, role):
    response = decide(UserFactory(role=role), refund, decision="approve")

    assert response.status_code == 403, response.content
    assert response.json()["code"] == "forbidden"
    assert unchanged(refund)


def test_the_customer_cannot_approve_their_own_request(refund):
    response = decide(refund.customer, refund, decision="approve")

    assert response.status_code == 403, response.content
    assert unchanged(refund)
