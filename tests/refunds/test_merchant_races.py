"""The merchant's stage races on PostgreSQL, each side in its own thread
and connection, released together: the merchant's answer against the job
that approves unanswered requests at their due time (rule M1), and two
users of the same merchant answering at once. The row lock lets exactly
one side win; the loser changes nothing, and the money goes back once."""

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from accounts import roles
from payouts.models import Payout, SandboxLedgerEntry
from refundportal import clock
from refunds import services
from refunds.models import RefundRequest, TimelineEvent
from tests.conftest import client_as
from tests.factories import UserFactory, create_order_at

from .support import at_once, english, file_refund, old_customer, refund_url

pytestmark = pytest.mark.postgres

ROUNDS = 5
# Paid by two tenders, so that one approval makes a set of two payouts.
TENDERS = [
    {"method": "alipay", "amount": "14.00", "account": "alipay:138****0001"},
    {"method": "wallet", "amount": "10.00", "account": "wallet:1"},
]


@pytest.fixture
def start(transactional_db: Any) -> Iterator[datetime]:
    """The clock for every thread, frozen at a whole second."""
    at = timezone.now().replace(microsecond=0)
    with clock.frozen_everywhere(at):
        yield at


def merchant_user(order: Any) -> Any:
    user = UserFactory(role=roles.MERCHANT)
    order.merchant.members.add(user)
    return user


def awaiting_merchant(start: datetime) -> RefundRequest:
    """A change of mind while the food is being prepared, on an order whose
    merchant has a user in the portal: it waits for the merchant."""
    customer = old_customer()
    order = create_order_at(
        customer=customer,
        status="accepted",
        promised_at=start + timedelta(minutes=30),
        tenders=TENDERS,
    )
    merchant_user(order)
    response = file_refund(english(client_as(customer)), order, reason="changed_mind")
    assert response.status_code == 201, response.content
    refund = RefundRequest.objects.get(pk=response.json()["id"])
    assert refund.status == "awaiting_merchant"
    assert refund.merchant_due_at == start + timedelta(minutes=30)
    return refund


def moves(refund: RefundRequest) -> list[str]:
    """The statuses the request's timeline moved it to, in order."""
    events = TimelineEvent.objects.filter(request=refund).exclude(from_status=F("to_status"))
    return list(events.order_by("id").values_list("to_status", flat=True))


def paid_once(refund: RefundRequest) -> None:
    """One set of payouts, adding up to the approved amount, and no key the
    gateway paid twice."""
    payouts = Payout.objects.filter(refund=refund)
    assert payouts.count() == len(TENDERS)
    assert payouts.aggregate(total=Sum("amount"))["total"] == refund.approved_amount
    keys = list(payouts.values_list("idempotency_key", flat=True))
    paid = SandboxLedgerEntry.objects.filter(idempotency_key__in=keys, outcome="succeeded")
    assert paid.count() <= len(keys)
    assert (paid.aggregate(total=Sum("amount"))["total"] or Decimal("0")) <= (
        refund.approved_amount
    )


def answer_call(client: Any, refund: RefundRequest, **body: Any) -> Any:
    return lambda: client.post(refund_url(refund.pk, "merchant-response"), body, format="json")


# The job starts this long after the answer: an answer goes through the
# API and takes longer to reach its lock than the job does. Spread over an
# answer's time, the rounds land on both sides of the lock.
JOB_DELAYS = (0.0, 0.01, 0.02, 0.03, 0.05)


def timeouts_after(delay: float, at: datetime) -> dict[str, int]:
    time.sleep(delay)
    return services.refund_merchant_timeouts(at)


@pytest.mark.parametrize("job_delay", JOB_DELAYS)
def test_the_merchants_approval_and_the_silence_job_never_both_win(
    start: datetime, job_delay: float
) -> None:
    refund = awaiting_merchant(start)
    due = refund.merchant_due_at
    assert due is not None
    merchant = english(client_as(refund.order.merchant.members.get()))
    moves_before = len(moves(refund))

    with clock.frozen_everywhere(due):
        answer, job = at_once(
            [
                answer_call(merchant, refund, decision="approve", amount="20.00", note="退大部分"),
                lambda: timeouts_after(job_delay, due),
            ]
        )

    assert not isinstance(answer, BaseException), answer
    assert not isinstance(job, BaseException), job
    refund.refresh_from_db()
    if job == {"approved": 1, "held": 0}:
        assert answer.status_code == 409, answer.content
        assert answer.json()["code"] == "conflict"
        assert (refund.decision_source, refund.decision_rule) == ("auto", "M1")
        assert refund.approved_amount == refund.requested_amount
        assert refund.merchant_decision == ""
        assert refund.merchant_answered_at is None
    else:
        assert job == {"approved": 0, "held": 0}
        assert answer.status_code == 200, answer.content
        assert (refund.decision_source, refund.decision_rule) == ("merchant", "")
        assert refund.approved_amount == Decimal("20.00")
        assert refund.merchant_decision == "approve"
    assert refund.status in ("approved", "refunded")
    assert moves(refund)[moves_before:].count("approved") == 1
    paid_once(refund)


@pytest.mark.parametrize("job_delay", JOB_DELAYS)
def test_the_merchants_refusal_and_the_silence_job_never_both_win(
    start: datetime, job_delay: float
) -> None:
    refund = awaiting_merchant(start)
    due = refund.merchant_due_at
    assert due is not None
    merchant = english(client_as(refund.order.merchant.members.get()))
    moves_before = len(moves(refund))

    with clock.frozen_everywhere(due):
        answer, job = at_once(
            [
                answer_call(merchant, refund, decision="refuse", note="菜已经出锅了"),
                lambda: timeouts_after(job_delay, due),
            ]
        )

    assert not isinstance(answer, BaseException), answer
    assert not isinstance(job, BaseException), job
    refund.refresh_from_db()
    new_moves = moves(refund)[moves_before:]
    if job == {"approved": 1, "held": 0}:
        assert answer.status_code == 409, answer.content
        assert answer.json()["code"] == "conflict"
        assert refund.status in ("approved", "refunded")
        assert refund.decision_rule == "M1"
        assert (refund.merchant_decision, refund.merchant_note) == ("", "")
        assert new_moves.count("approved") == 1
        paid_once(refund)
    else:
        assert job == {"approved": 0, "held": 0}
        assert answer.status_code == 200, answer.content
        assert refund.status == "pending_review"
        assert (refund.merchant_decision, refund.merchant_note) == ("refuse", "菜已经出锅了")
        assert refund.approved_amount is None
        assert new_moves == ["pending_review"]
        assert not Payout.objects.filter(refund=refund).exists()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_users_of_one_merchant_answering_at_once_answer_once(
    start: datetime, round_: int
) -> None:
    refund = awaiting_merchant(start)
    colleague = merchant_user(refund.order)
    users = [refund.order.merchant.members.exclude(pk=colleague.pk).get(), colleague]
    clients = [english(client_as(user)) for user in users]
    moves_before = len(moves(refund))

    responses = at_once(
        [
            answer_call(clients[0], refund, decision="approve"),
            answer_call(clients[1], refund, decision="refuse", note="菜已经出锅了"),
        ]
    )

    assert not [r for r in responses if isinstance(r, BaseException)], responses
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert next(r for r in responses if r.status_code == 409).json()["code"] == "conflict"
    winner = [r.status_code for r in responses].index(200)
    refund.refresh_from_db()
    assert refund.merchant_answered_by_id == users[winner].pk
    if winner == 0:
        assert refund.status in ("approved", "refunded")
        assert refund.merchant_decision == "approve"
        assert moves(refund)[moves_before:].count("approved") == 1
        paid_once(refund)
    else:
        assert refund.status == "pending_review"
        assert refund.merchant_decision == "refuse"
        assert moves(refund)[moves_before:] == ["pending_review"]
        assert not Payout.objects.filter(refund=refund).exists()
