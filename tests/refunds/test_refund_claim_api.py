"""POST /api/v1/refunds/{id}/claim/: an agent or a senior agent takes a
request under review for 15 minutes (SPEC 7). Claiming again renews the
claim; another agent's live claim is a 409 ``conflict``; a stale one can be
taken over. Other roles get 403 ``forbidden`` and change nothing."""

from datetime import timedelta
from typing import Any

import pytest

from accounts import roles
from orders.services import order_event_add
from refundportal import clock
from refunds import services
from refunds.models import RefundRequest
from refunds.states import RefundStatus
from tests.conftest import client_as
from tests.factories import UserFactory, create_order

from .support import old_customer, refund_url

pytestmark = pytest.mark.django_db

CLAIM_MINUTES = 15


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
    return refund


def claim(user: Any, refund: RefundRequest) -> Any:
    return client_as(user).post(refund_url(refund.pk, "claim"), format="json")


def minutes_later(now: Any, minutes: float) -> Any:
    return clock.frozen_at(now + timedelta(minutes=minutes))


def holder(refund: RefundRequest) -> str | None:
    refund.refresh_from_db()
    return refund.assignee.get_username() if refund.assignee else None


@pytest.fixture
def refund(now: Any) -> RefundRequest:
    return under_review()


@pytest.fixture
def agent(db: Any) -> Any:
    return UserFactory(username="kefu_li", role=roles.AGENT)


@pytest.fixture
def other_agent(db: Any) -> Any:
    return UserFactory(username="kefu_wang", role=roles.AGENT)


# --- Claiming ---------------------------------------------------------------------------


def test_an_agent_claims_a_request_and_staff_see_who_holds_it(refund, agent):
    response = claim(agent, refund)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["assignee"]) == (
        refund.pk,
        "pending_review",
        "kefu_li",
    )
    read = client_as(UserFactory(role=roles.MANAGER)).get(refund_url(refund.pk))
    assert read.json()["assignee"] == "kefu_li"


def test_a_senior_agent_claims_a_request(refund):
    senior = UserFactory(username="kefu_zhao", role=roles.SENIOR_AGENT)

    response = claim(senior, refund)

    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == "kefu_zhao"


def test_the_customer_never_learns_who_holds_their_request(refund, agent):
    claim(agent, refund)

    read = client_as(refund.customer).get(refund_url(refund.pk))

    assert read.status_code == 200
    assert "assignee" not in read.json()
    assert "kefu_li" not in read.content.decode()


def test_claiming_again_renews_the_claim(now, refund, agent, other_agent):
    claim(agent, refund)
    with minutes_later(now, 10):
        renewed = claim(agent, refund)
    assert renewed.status_code == 200, renewed.content

    # 20 minutes after the first claim, 10 after the renewal: still held.
    with minutes_later(now, 20):
        taken = claim(other_agent, refund)

    assert taken.status_code == 409, taken.content
    assert taken.json()["code"] == "conflict"
    assert holder(refund) == "kefu_li"


def test_another_agents_live_claim_is_a_conflict_that_names_them(now, refund, agent, other_agent):
    claim(agent, refund)

    with minutes_later(now, CLAIM_MINUTES - 1):
        response = claim(other_agent, refund)

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "conflict"
    assert "kefu_li" in body["detail"]
    assert holder(refund) == "kefu_li"


def test_a_stale_claim_can_be_taken_over(now, refund, agent, other_agent):
    claim(agent, refund)

    with minutes_later(now, CLAIM_MINUTES):
        response = claim(other_agent, refund)

    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == "kefu_wang"
    assert holder(refund) == "kefu_wang"


def test_the_agent_whose_claim_was_taken_over_is_now_the_one_refused(
    now, refund, agent, other_agent
):
    claim(agent, refund)
    with minutes_later(now, CLAIM_MINUTES + 1):
        claim(other_agent, refund)
        response = claim(agent, refund)

    assert response.status_code == 409, response.content
    assert "kefu_wang" in response.json()["detail"]


# --- Who may claim, and what ---------------------------------------------------------


@pytest.mark.parametrize(
    "role", [roles.CUSTOMER, roles.FINANCE, roles.MANAGER, roles.INTEGRATION, None]
)
def test_a_role_that_does_not_review_cannot_claim(refund, role):
    response = claim(UserFactory(role=role), refund)

    assert response.status_code == 403, response.content
    assert response.json()["code"] == "forbidden"
    assert holder(refund) is None


def test_the_customer_who_filed_the_request_cannot_claim_it(refund):
    response = claim(refund.customer, refund)

    assert response.status_code == 403, response.content
    assert response.json()["code"] == "forbidden"
    assert holder(refund) is None


def test_nobody_claims_without_logging_in(api, refund):
    response = api.post(refund_url(refund.pk, "claim"), format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert holder(refund) is None


def test_an_escalated_request_is_claimed_by_a_senior_agent_only(refund, agent):
    RefundRequest.objects.filter(pk=refund.pk).update(escalated=True)

    by_agent = claim(agent, refund)
    by_senior = claim(UserFactory(username="kefu_zhao", role=roles.SENIOR_AGENT), refund)

    assert by_agent.status_code == 403, by_agent.content
    assert by_agent.json()["code"] == "forbidden"
    assert by_senior.status_code == 200, by_senior.content
    assert holder(refund) == "kefu_zhao"


def test_a_decided_request_cannot_be_claimed(refund, agent):
    services.refund_decide(refund=refund, agent=agent, decision="reject", note="照片看不出问题")

    response = claim(UserFactory(role=roles.AGENT), refund)

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "conflict"
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REJECTED


def test_a_request_that_does_not_exist_is_not_found(now, agent):
    response = client_as(agent).post(refund_url(999_999, "claim"), format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
