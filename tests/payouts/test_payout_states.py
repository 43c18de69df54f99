"""Payout statuses move through one helper: the table refuses a move it
does not list, a stale row loses the compare-and-swap, and every move (and
finance's reroute) leaves an event naming who made it."""

import pytest
from django.utils import timezone

from payouts import states
from payouts.models import Payout, PayoutEvent
from payouts.states import TRANSITIONS, PayoutStatus
from refundportal.api import Conflict
from refunds.services import payout_reroute, payout_retry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def tender(account):
    return [{"method": "alipay", "amount": "24.00", "account": account}]


def history(payout):
    return list(
        PayoutEvent.objects.filter(payout=payout).values_list(
            "from_status", "to_status", "what", "actor_role", "actor__username"
        )
    )


def test_an_attempt_moves_the_payout_and_records_the_system_as_its_author(
    approve_on_placed_order,
):
    payout = Payout.objects.get(refund=approve_on_placed_order(tender("alipay:ok")))

    assert payout.status == PayoutStatus.SUCCEEDED
    assert history(payout) == [
        (PayoutStatus.PENDING, PayoutStatus.PROCESSING, "", "system", None),
        (PayoutStatus.PROCESSING, PayoutStatus.SUCCEEDED, "", "system", None),
    ]


def test_a_move_the_table_does_not_list_is_refused_and_writes_nothing(approve_on_placed_order):
    payout = Payout.objects.get(refund=approve_on_placed_order(tender("alipay:ok")))
    assert PayoutStatus.PENDING not in TRANSITIONS[PayoutStatus.SUCCEEDED]
    before = history(payout)

    with pytest.raises(Conflict):
        states.move(payout, PayoutStatus.PENDING, at=timezone.now())

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SUCCEEDED
    assert history(payout) == before


def test_a_stale_payout_loses_the_compare_and_swap(approve_on_placed_order):
    payout = Payout.objects.get(refund=approve_on_placed_order(tender("alipay:decline")))
    stale = Payout.objects.get(pk=payout.pk)
    finance = UserFactory(role="finance")
    payout_retry(payout=payout, actor=finance)  # failed -> pending

    with pytest.raises(Conflict):
        states.move(stale, PayoutStatus.PENDING, at=timezone.now())  # still thinks: failed

    assert PayoutEvent.objects.filter(payout=payout, to_status=PayoutStatus.PENDING).count() == 1


def test_finance_retry_and_reroute_record_who_did_them(
    approve_on_placed_order, django_capture_on_commit_callbacks
):
    payout = Payout.objects.get(refund=approve_on_placed_order(tender("alipay:decline")))
    assert payout.status == PayoutStatus.FAILED
    finance = UserFactory(username="caiwu", role="finance")

    with django_capture_on_commit_callbacks(execute=True):
        payout_retry(payout=payout, actor=finance)  # declined again
    payout.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        new = payout_reroute(payout=payout, actor=finance, method="wallet", note="card closed")

    retried, rerouted = history(payout)[2], history(payout)[-1]
    assert retried == (PayoutStatus.FAILED, PayoutStatus.PENDING, "", "finance", "caiwu")
    assert rerouted == (PayoutStatus.FAILED, PayoutStatus.FAILED, "rerouted", "finance", "caiwu")
    new.refresh_from_db()
    assert new.status == PayoutStatus.SUCCEEDED
