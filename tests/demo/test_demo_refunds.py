"""seed_demo files refund requests through the real services, across months."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from demo.refunds import QUEUE_FLOOR
from payouts.models import Payout, SandboxLedgerEntry
from refunds.models import Feedback, RefundRequest

pytestmark = pytest.mark.django_db


def test_seed_demo_files_decides_pays_and_rates_requests_once():
    call_command("seed_demo", orders=300, months=3, refund_share=0.2, verbosity=0)
    requests = RefundRequest.objects.all()
    count = requests.count()
    assert count > 20
    statuses = set(requests.values_list("status", flat=True))
    assert {"refunded", "rejected"} <= statuses
    assert len({r.created_at.strftime("%Y-%m") for r in requests}) >= 2
    assert Feedback.objects.exists()
    assert set(requests.values_list("decision_source", flat=True)) == {"auto", "agent"}
    paid = SandboxLedgerEntry.objects.filter(outcome="succeeded")
    assert paid.count() == Payout.objects.filter(status="succeeded").count()
    assert paid.values("idempotency_key").distinct().count() == paid.count()
    # Finance has something to retry or reroute: declined payouts still open.
    assert Payout.objects.filter(status="failed", declined=True, closed=False).exists()

    call_command("seed_demo", orders=300, months=3, refund_share=0.2, verbosity=0)
    assert RefundRequest.objects.count() == count


def test_the_demo_leaves_fresh_requests_in_the_agents_queue():
    from tests.conftest import client_as
    from tests.factories import UserFactory

    call_command("seed_demo", verbosity=0)
    agent = UserFactory(role="agent")

    queue = client_as(agent).get("/api/v1/review-queue/").json()

    assert queue["count"] >= QUEUE_FLOOR
    assert not any(item["sla"]["breached"] for item in queue["results"])
    # Customer service has asked one customer for more, and one customer nudged.
    waiting = RefundRequest.objects.get(status="awaiting_customer")
    assert waiting.messages.get().asks_customer
    assert any(item["nudges"]["count"] == 1 for item in queue["results"])


def test_some_decided_requests_waited_for_their_customers():
    call_command("seed_demo", orders=300, months=3, refund_share=0.2, verbosity=0)
    answered = RefundRequest.objects.filter(customer_wait__gt=timedelta(0)).exclude(
        status__in=["pending_review", "awaiting_customer"]
    )
    assert answered.exists()
    for refund in answered:
        assert [m.author_id for m in refund.messages.all()] == [
            refund.decided_by_id,
            refund.customer_id,
        ]
