"""seed_demo files refund requests through the real services, across months."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from accounts import roles
from demo.people import DEMO_PASSWORD
from demo.refunds import QUEUE_FLOOR
from orders.models import Merchant, Order
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


def test_the_busiest_merchant_has_a_login_and_fresh_requests_waiting_for_its_answer():
    call_command("seed_demo", orders=300, months=3, refund_share=0.2, verbosity=0)
    user = get_user_model().objects.get(username="merchant")
    assert roles.user_roles(user) == {roles.MERCHANT}
    assert user.check_password(DEMO_PASSWORD)
    busiest = (
        Order.objects.filter(number__regex=r"^DEMO\d{6}$")
        .values("merchant__code")
        .annotate(orders=Count("id"))
        .order_by("-orders", "merchant__code")
        .first()
    )
    assert list(Merchant.objects.filter(members=user).values_list("code", flat=True)) == [
        busiest["merchant__code"]
    ]
    waiting = RefundRequest.objects.filter(
        status="awaiting_merchant", order__merchant__members=user
    )
    assert sorted(waiting.values_list("reason", flat=True)) == ["changed_mind", "damaged"]
    assert all(refund.merchant_due_at > timezone.now() for refund in waiting)
    # Only its requests wait for it: the history was decided by the platform.
    assert not RefundRequest.objects.filter(status="awaiting_merchant").exclude(
        pk__in=waiting.values("pk")
    )
    page = Client()
    page.force_login(user)
    listed = page.get("/merchant/").content.decode()
    assert listed.count('data-status="awaiting_merchant"') == 2

    count = RefundRequest.objects.count()
    call_command("seed_demo", orders=300, months=3, refund_share=0.2, verbosity=0)
    assert RefundRequest.objects.count() == count
    assert waiting.count() == 2
