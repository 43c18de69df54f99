"""Payouts paid by a real Celery worker on Redis and PostgreSQL: retries,
declines, finance retry, and exactly-once under duplicate messages, a
killed worker and a dead broker. The sandbox ledger is the witness: one
payment per payout key, summing to the approved amount."""

import os
import signal
import subprocess
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from payouts.models import Payout, PayoutAttempt, SandboxLedgerEntry
from payouts.states import PayoutStatus
from refunds.models import RefundRequest
from refunds.services import payout_attempt, payout_sweep
from refunds.states import RefundStatus
from refunds.tasks import payout_attempt_task
from tests.conftest import client_as, start_worker, stop_worker, wait_for_worker, worker_env
from tests.factories import UserFactory, create_order

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def wait_until(predicate, timeout=40.0, what="the worker"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def old_customer():
    user = UserFactory(role="customer")
    user.date_joined = timezone.now() - timedelta(days=90)
    user.save()
    return user


def file_on_placed_order(customer, tenders):
    """A request on an order the merchant has not accepted: approved at once (R4)."""
    order = create_order(customer=customer, tenders=tenders)
    response = client_as(customer).post(
        "/api/v1/refunds/", {"order": order.number, "reason": "other"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "approved"
    return RefundRequest.objects.get(pk=response.json()["id"])


def assert_paid_once(refund):
    payouts = list(Payout.objects.filter(refund=refund, closed=False))
    paid = SandboxLedgerEntry.objects.filter(
        idempotency_key__in=[p.idempotency_key for p in payouts], outcome="succeeded"
    )
    keys = list(paid.values_list("idempotency_key", flat=True))
    assert sorted(keys) == sorted({p.idempotency_key for p in payouts}), "one payment per key"
    assert sum(e.amount for e in paid) == refund.approved_amount


def refund_status(refund):
    return RefundRequest.objects.values_list("status", flat=True).get(pk=refund.pk)


ALIPAY_24 = [{"method": "alipay", "amount": "24.00", "account": "alipay:138****0001"}]


def test_a_request_approved_by_an_agent_is_paid_without_any_manual_step(celery_worker):
    customer = old_customer()
    now = timezone.now()
    order = create_order(
        customer=customer,
        status="delivered",
        placed_at=(now - timedelta(hours=2)).isoformat(),
        promised_at=(now - timedelta(hours=1)).isoformat(),
        delivered_at=(now - timedelta(minutes=55)).isoformat(),
        tenders=[
            {"method": "wechat", "amount": "14.00", "account": "wx:o-123"},
            {"method": "wallet", "amount": "10.00", "account": "wallet:customer"},
        ],
    )
    filed = client_as(customer).post(
        "/api/v1/refunds/",
        {"order": order.number, "reason": "other", "description": "汤洒了一半"},
        format="json",
    )
    assert filed.json()["status"] == "pending_review"
    agent = client_as(UserFactory(role="agent"))
    decided = agent.post(
        f"/api/v1/refunds/{filed.json()['id']}/decide/",
        {"decision": "approve", "note": "已核实"},
        format="json",
    )
    assert decided.status_code == 200
    refund = RefundRequest.objects.get(pk=filed.json()["id"])

    wait_until(lambda: refund_status(refund) == RefundStatus.REFUNDED)
    assert_paid_once(refund)
    body = client_as(customer).get(f"/api/v1/refunds/{refund.pk}/").json()
    assert {p["status"] for p in body["payouts"]} == {"succeeded"}
    assert [e["to_status"] for e in body["timeline"]][-2:] == ["approved", "refunded"]


def test_a_fail_once_tender_pays_after_one_retry(celery_worker):
    refund = file_on_placed_order(
        old_customer(),
        [{"method": "alipay", "amount": "24.00", "account": "alipay:fail-once"}],
    )
    payout = Payout.objects.get(refund=refund)
    wait_until(lambda: PayoutAttempt.objects.filter(payout=payout, outcome="retryable").exists())
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING
    assert payout.next_attempt_at - payout.attempt_log.first().started_at >= timedelta(minutes=1)

    # The due-payout sweep (beat runs it every minute) sends the retry.
    payout_sweep(timezone.now() + timedelta(minutes=2))
    wait_until(lambda: refund_status(refund) == RefundStatus.REFUNDED)
    payout.refresh_from_db()
    assert payout.attempts == 2
    assert list(payout.attempt_log.values_list("outcome", flat=True)) == [
        "retryable",
        "succeeded",
    ]
    assert_paid_once(refund)


def test_a_declined_tender_fails_and_a_retry_is_declined_again(celery_worker):
    refund = file_on_placed_order(
        old_customer(),
        [{"method": "card", "amount": "24.00", "account": "card:6222****decline"}],
    )
    payout = Payout.objects.get(refund=refund)
    wait_until(lambda: refund_status(refund) == RefundStatus.PAYOUT_FAILED)
    payout.refresh_from_db()
    assert (payout.status, payout.attempts, payout.declined) == ("failed", 1, True)

    finance = client_as(UserFactory(role="finance"))
    retried = finance.post(f"/api/v1/payouts/{payout.pk}/retry/")
    assert retried.status_code == 202
    wait_until(lambda: PayoutAttempt.objects.filter(payout=payout).count() == 2)
    wait_until(lambda: Payout.objects.get(pk=payout.pk).status == PayoutStatus.FAILED)
    detail = finance.get(f"/api/v1/payouts/{payout.pk}/").json()
    assert detail["attempts"] == 2
    assert [a["outcome"] for a in detail["attempt_log"]] == ["declined", "declined"]
    assert refund_status(refund) == RefundStatus.PAYOUT_FAILED
    assert not SandboxLedgerEntry.objects.filter(outcome="succeeded").exists()


def test_the_same_payout_task_delivered_many_times_at_once_pays_once(celery_worker):
    refund = file_on_placed_order(old_customer(), ALIPAY_24)
    payout = Payout.objects.get(refund=refund)
    # Duplicate messages to the worker, and two more attempts racing in threads.
    for _ in range(3):
        payout_attempt_task.delay(payout.pk)
    threads = [
        threading.Thread(target=payout_attempt, kwargs={"payout_id": payout.pk}) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until(lambda: refund_status(refund) == RefundStatus.REFUNDED)
    time.sleep(1)  # let the duplicates arrive
    payout.refresh_from_db()
    assert payout.attempts == 1
    assert_paid_once(refund)


def test_a_worker_killed_mid_payment_loses_nothing_and_pays_once(transactional_db):
    """The gateway has paid, the worker dies before recording the answer; the
    task is redelivered, and the sweep settles the payout through the
    gateway's status query: succeeded, with no second payment."""
    from refundportal.celery_app import app

    worker = start_worker(
        "kill-worker",
        "--pool=prefork",
        "--concurrency=1",
        "-Q",
        "killtest",
        env=worker_env(SANDBOX_SLOW_SECONDS="8"),
    )
    try:
        wait_for_worker(worker, queue="killtest")
        # File while the broker is unreachable, so that no other worker gets
        # the first attempt: only ours, on its own queue, may take it.
        good = app.conf.broker_url
        switch_broker(app, "redis://127.0.0.1:1/0")
        try:
            refund = file_on_placed_order(
                old_customer(),
                [{"method": "alipay", "amount": "24.00", "account": "alipay:slow-gateway"}],
            )
        finally:
            switch_broker(app, good)
        payout = Payout.objects.get(refund=refund)
        later = timezone.now() + timedelta(minutes=1)
        sent = payout_attempt_task.apply_async(
            args=[payout.pk],
            kwargs={"as_of": later.isoformat()},
            queue="killtest",
            ignore_result=False,
        )
        wait_until(
            lambda: SandboxLedgerEntry.objects.filter(
                idempotency_key=payout.idempotency_key, outcome="succeeded"
            ).exists(),
            what="the gateway to pay",
        )
        children = subprocess.run(
            ["pgrep", "-P", str(worker.pid)], capture_output=True, text=True, check=True
        ).stdout.split()
        for child in children:
            os.kill(int(child), signal.SIGKILL)

        log = worker_log("kill-worker")
        wait_until(lambda: "WorkerLostError" in log(), what="the worker to notice the kill")
        payout.refresh_from_db()
        assert payout.status == PayoutStatus.PROCESSING  # the answer never came back
        received = f"payout_attempt_task[{sent.id}] received"
        wait_until(lambda: log().count(received) == 2, what="the task to be redelivered")
        # The redelivered copy finds the payout in processing and leaves it.
        assert sent.get(timeout=30) == {"payout": payout.pk, "attempted": False, "outcome": ""}
        assert app.conf.task_reject_on_worker_lost

        result = payout_sweep(later + timedelta(minutes=6))
        assert result["recovered"] == 1
        payout.refresh_from_db()
        assert payout.status == PayoutStatus.SUCCEEDED
        assert payout.gateway_reference
        assert refund_status(refund) == RefundStatus.REFUNDED
        assert_paid_once(refund)
    finally:
        stop_worker(worker)


def switch_broker(app, url):
    """Point the app's producers at another broker URL, dropping every
    pooled connection to the old one."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url


def worker_log(name):
    from tests.conftest import BASE_DIR

    path = BASE_DIR / "var" / f"{name}.log"
    return lambda: path.read_text(errors="replace")


THREE_TENDERS = [
    {"method": "alipay", "amount": "10.00", "account": "alipay:138****0001"},
    {"method": "wechat", "amount": "8.00", "account": "wx:138****0001"},
    {"method": "card", "amount": "6.00", "account": "card:6222****0001"},
]


def test_approving_while_the_broker_is_down_answers_2xx_and_the_sweep_pays(celery_worker):
    from refundportal.celery_app import app

    good = app.conf.broker_url
    # Nothing listens on port 1: every publish is refused, as with a dead broker.
    switch_broker(app, "redis://127.0.0.1:1/0")
    try:
        started = time.monotonic()
        refund = file_on_placed_order(old_customer(), THREE_TENDERS)
        # Three payouts, three publishes given up: the answer comes at once.
        assert time.monotonic() - started < 2
    finally:
        switch_broker(app, good)
    payouts = list(Payout.objects.filter(refund=refund))
    assert len(payouts) == 3
    assert {p.status for p in payouts} == {PayoutStatus.PENDING}
    assert not PayoutAttempt.objects.filter(payout__in=payouts).exists()

    sent = payout_sweep(timezone.now() + timedelta(minutes=3))
    assert sent["sent"] == 3
    wait_until(lambda: refund_status(refund) == RefundStatus.REFUNDED)
    assert_paid_once(refund)
    assert sum(p.amount for p in Payout.objects.filter(refund=refund)) == Decimal("24.00")
