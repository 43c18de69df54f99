"""The payout service on the embedded default: back-off, the attempt limit,
the stuck-payout sweep, finance retry and reroute, the sandbox ledger."""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.db import IntegrityError
from django.utils import timezone

from notifications.models import Notification
from payouts.models import Payout, PayoutAttempt, SandboxLedgerEntry
from payouts.services import backoff
from payouts.states import PayoutStatus
from refunds.services import payout_sweep
from refunds.states import RefundStatus
from tests.conftest import client_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def tender(account, amount="24.00", method="alipay"):
    return [{"method": method, "amount": amount, "account": account}]


@pytest.mark.parametrize(
    ("failures", "minutes"), [(1, 1), (2, 5), (3, 25), (4, 125), (5, 360), (7, 360)]
)
def test_backoff_grows_fivefold_and_is_capped_at_six_hours(failures, minutes):
    assert backoff(failures) == timedelta(minutes=minutes)


def test_a_retryable_payout_is_tried_eight_times_then_failed(
    approve_on_placed_order, django_capture_on_commit_callbacks
):
    finance = UserFactory(role="finance")
    refund = approve_on_placed_order(tender("alipay:fail-always"))
    payout = Payout.objects.get(refund=refund)
    at = timezone.now()
    for _ in range(10):
        payout.refresh_from_db()
        if payout.status != PayoutStatus.PENDING:
            break
        at = payout.next_attempt_at + timedelta(seconds=1)
        with django_capture_on_commit_callbacks(execute=True):
            payout_sweep(at)
    payout.refresh_from_db()
    assert (payout.status, payout.attempts) == (PayoutStatus.FAILED, 8)
    starts = list(payout.attempt_log.values_list("started_at", flat=True))
    gaps = [round((b - a).total_seconds() / 60) for a, b in pairwise(starts)]
    assert gaps == [1, 5, 25, 125, 360, 360, 360]
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PAYOUT_FAILED
    assert Notification.objects.filter(user=finance, event="payout_failed").count() == 1
    assert not SandboxLedgerEntry.objects.filter(outcome="succeeded").exists()


def test_a_sweep_before_the_next_attempt_is_due_sends_nothing(approve_on_placed_order):
    refund = approve_on_placed_order(tender("alipay:fail-once"))
    payout = Payout.objects.get(refund=refund)
    assert payout.status == PayoutStatus.PENDING
    assert payout_sweep(payout.next_attempt_at - timedelta(seconds=1))["sent"] == 0
    assert PayoutAttempt.objects.filter(payout=payout).count() == 1


def test_a_payout_stuck_in_processing_is_settled_by_the_gateway_status_query(
    approve_on_placed_order,
):
    refund = approve_on_placed_order(tender("alipay:ok"))
    payout = Payout.objects.get(refund=refund)
    # Pretend the worker died after the gateway paid and before it recorded it.
    since = timezone.now() - timedelta(minutes=6)
    Payout.objects.filter(pk=payout.pk).update(
        status=PayoutStatus.PROCESSING, processing_since=since, gateway_reference=None
    )
    assert payout_sweep(timezone.now())["recovered"] == 1
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SUCCEEDED
    assert SandboxLedgerEntry.objects.filter(outcome="succeeded").count() == 1


def test_a_stuck_payout_the_gateway_never_paid_is_due_again(approve_on_placed_order):
    refund = approve_on_placed_order(tender("alipay:fail-once"))
    payout = Payout.objects.get(refund=refund)
    since = timezone.now() - timedelta(minutes=10)
    Payout.objects.filter(pk=payout.pk).update(
        status=PayoutStatus.PROCESSING, processing_since=since
    )
    recovered = payout_sweep(timezone.now())
    assert recovered["recovered"] == 1
    payout.refresh_from_db()
    # Taken back and due at once; the same sweep sent its next attempt, which paid.
    assert payout.status == PayoutStatus.SUCCEEDED
    assert (
        SandboxLedgerEntry.objects.filter(
            idempotency_key=payout.idempotency_key, outcome="succeeded"
        ).count()
        == 1
    )


def test_a_stuck_payout_is_left_alone_within_five_minutes(approve_on_placed_order):
    refund = approve_on_placed_order(tender("alipay:ok"))
    payout = Payout.objects.get(refund=refund)
    Payout.objects.filter(pk=payout.pk).update(
        status=PayoutStatus.PROCESSING, processing_since=timezone.now() - timedelta(minutes=4)
    )
    assert payout_sweep(timezone.now())["recovered"] == 0


def test_finance_retry_is_a_compare_and_swap_answering_202_then_409(approve_on_placed_order):
    refund = approve_on_placed_order(tender("card:decline", method="card"))
    payout = Payout.objects.get(refund=refund)
    assert payout.status == PayoutStatus.FAILED and payout.declined
    finance = client_as(UserFactory(role="finance"))
    first = finance.post(f"/api/v1/payouts/{payout.pk}/retry/")
    second = finance.post(f"/api/v1/payouts/{payout.pk}/retry/")
    assert first.status_code == 202
    assert first.json()["status"] == "pending"
    assert second.status_code == 409
    assert second.json()["code"] == "conflict"


def test_retry_of_a_payout_that_is_not_failed_is_a_conflict(approve_on_placed_order):
    refund = approve_on_placed_order(tender("alipay:ok"))
    payout = Payout.objects.get(refund=refund)
    finance = client_as(UserFactory(role="finance"))
    response = finance.post(f"/api/v1/payouts/{payout.pk}/retry/")
    assert (response.status_code, response.json()["code"]) == (409, "conflict")


def test_a_declined_payout_rerouted_to_the_wallet_pays_and_closes_the_request(
    approve_on_placed_order, django_capture_on_commit_callbacks
):
    refund = approve_on_placed_order(tender("card:decline", method="card"))
    failed = Payout.objects.get(refund=refund)
    finance = client_as(UserFactory(role="finance"))
    with django_capture_on_commit_callbacks(execute=True):
        response = finance.post(
            f"/api/v1/payouts/{failed.pk}/reroute/",
            {"method": "wallet", "note": "银行卡已注销"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    new = Payout.objects.get(pk=response.json()["id"])
    assert (new.method, new.amount, new.status) == ("wallet", failed.amount, "succeeded")
    assert new.idempotency_key != failed.idempotency_key
    failed.refresh_from_db()
    assert failed.closed and failed.status == PayoutStatus.FAILED
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REFUNDED
    rerouted = refund.timeline.get(message="payout.rerouted")
    assert rerouted.internal  # finance's words are for staff
    assert rerouted.facts == {"amount": str(failed.amount), "note": "银行卡已注销"}
    told = refund.timeline.get(message="payout.paid_to_balance")
    assert not told.internal
    assert "银行卡已注销" not in str(told.facts)
    again = finance.post(
        f"/api/v1/payouts/{failed.pk}/reroute/", {"method": "wallet", "note": "x"}, format="json"
    )
    assert again.status_code == 409


def test_reroute_only_to_the_wallet(approve_on_placed_order):
    refund = approve_on_placed_order(tender("card:decline", method="card"))
    payout = Payout.objects.get(refund=refund)
    finance = client_as(UserFactory(role="finance"))
    response = finance.post(
        f"/api/v1/payouts/{payout.pk}/reroute/", {"method": "alipay", "note": "x"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "validation_error")


def test_the_sandbox_ledger_refuses_a_second_payment_for_a_key():
    entry = {"method": "alipay", "account": "a", "amount": "1.00", "at": timezone.now()}
    SandboxLedgerEntry.objects.create(idempotency_key="k1", outcome="succeeded", **entry)
    SandboxLedgerEntry.objects.create(idempotency_key="k1", outcome="timeout", **entry)
    with pytest.raises(IntegrityError):
        SandboxLedgerEntry.objects.create(idempotency_key="k1", outcome="succeeded", **entry)


def test_split_payouts_follow_the_tenders_and_sum_to_the_approved_amount(
    approve_on_placed_order,
):
    refund = approve_on_placed_order(
        [
            {"method": "wallet", "amount": "10.00", "account": "wallet:c"},
            {"method": "wechat", "amount": "14.00", "account": "wx:c"},
        ]
    )
    payouts = {p.method: p.amount for p in Payout.objects.filter(refund=refund)}
    assert {k: str(v) for k, v in payouts.items()} == {"wallet": "10.00", "wechat": "14.00"}
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REFUNDED


def test_the_ledger_and_export_are_for_finance(approve_on_placed_order):
    refund = approve_on_placed_order(tender("alipay:ok"))
    payout = Payout.objects.get(refund=refund)
    finance = client_as(UserFactory(role="finance"))
    ledger = finance.get(
        "/api/v1/gateways/sandbox/ledger/", {"idempotency_key": payout.idempotency_key}
    ).json()
    assert ledger["count"] == 1
    assert ledger["results"][0]["outcome"] == "succeeded"
    export = finance.get("/api/v1/payouts/export/")
    assert export.content.startswith("\ufeff".encode())
    assert "支付宝" in export.content.decode("utf-8-sig")
    manager = client_as(UserFactory(role="manager"))
    assert manager.get("/api/v1/payouts/").status_code == 200
    assert manager.get("/api/v1/payouts/export/").status_code == 403
    assert manager.get("/api/v1/gateways/sandbox/ledger/").status_code == 403
