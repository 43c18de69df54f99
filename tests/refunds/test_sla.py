"""SLA timers through ``manage.py tick --at``: escalation at 80 % of the
review time, breach past due, and the payout delay alert."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from notifications.models import Notification
from refunds.models import RefundRequest
from refunds.presenters import timeline_note
from tests.conftest import client_as
from tests.factories import UserFactory, create_order

pytestmark = pytest.mark.django_db


def tick(at):
    call_command("tick", at=at.isoformat())


@pytest.fixture
def pending(customer):
    customer.date_joined = timezone.now() - timedelta(days=60)
    customer.save()
    now = timezone.now()
    order = create_order(
        customer=customer,
        status="delivered",
        placed_at=(now - timedelta(hours=2)).isoformat(),
        promised_at=(now - timedelta(hours=1)).isoformat(),
        delivered_at=(now - timedelta(minutes=50)).isoformat(),
    )
    response = client_as(customer).post(
        "/api/v1/refunds/", {"order": order.number, "reason": "other"}, format="json"
    )
    assert response.json()["status"] == "pending_review"
    return RefundRequest.objects.get(pk=response.json()["id"])


def test_escalation_at_80_percent_of_the_review_time(pending):
    senior = UserFactory(role="senior_agent")
    created = pending.created_at
    tick(created + timedelta(hours=19, minutes=11))
    pending.refresh_from_db()
    assert not pending.escalated
    tick(created + timedelta(hours=19, minutes=12))
    pending.refresh_from_db()
    assert pending.escalated
    assert Notification.objects.filter(user=senior, event="refund_escalated").count() == 1
    with translation.override("en"):
        assert "80 % of the review time" in timeline_note(pending.timeline.last())
    # A second run at the same time changes nothing.
    tick(created + timedelta(hours=19, minutes=12))
    assert Notification.objects.filter(user=senior, event="refund_escalated").count() == 1
    assert pending.timeline.count() == 2


def test_breach_past_the_24_hour_review_time(pending):
    tick(pending.review_due_at)
    pending.refresh_from_db()
    assert not pending.breached
    tick(pending.review_due_at + timedelta(seconds=1))
    pending.refresh_from_db()
    assert pending.breached
    body = client_as(pending.customer).get(f"/api/v1/refunds/{pending.pk}/").json()
    assert body["sla"]["breached"] is True


def test_escalated_requests_leave_the_agents_queue_for_the_seniors(pending):
    agent = client_as(UserFactory(role="agent"))
    senior = client_as(UserFactory(role="senior_agent"))
    assert agent.get("/api/v1/review-queue/").json()["count"] == 1
    tick(pending.created_at + timedelta(hours=20))
    assert agent.get("/api/v1/review-queue/").json()["count"] == 0
    queue = senior.get("/api/v1/review-queue/").json()
    assert [r["id"] for r in queue["results"]] == [pending.pk]
    assert queue["results"][0]["sla"]["escalated"] is True


def test_payout_delay_alert_past_24_hours(customer, django_capture_on_commit_callbacks):
    finance = UserFactory(role="finance")
    customer.date_joined = timezone.now() - timedelta(days=60)
    customer.save()
    order = create_order(
        customer=customer,
        tenders=[{"method": "alipay", "amount": "24.00", "account": "alipay:fail-always"}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(customer).post(
            "/api/v1/refunds/", {"order": order.number, "reason": "other"}, format="json"
        )
    refund = RefundRequest.objects.get(pk=response.json()["id"])
    assert refund.status == "approved"
    tick(refund.decided_at + timedelta(hours=23, minutes=59))
    assert not Notification.objects.filter(event="payout_delayed").exists()
    tick(refund.decided_at + timedelta(hours=24, minutes=1))
    assert Notification.objects.filter(user=finance, event="payout_delayed").count() == 1
    assert Notification.objects.filter(user=customer, event="refund_delayed").count() == 1
    tick(refund.decided_at + timedelta(hours=24, minutes=1))
    assert Notification.objects.filter(event="payout_delayed").count() == 1


def test_tick_reports_every_job(capsys):
    call_command("tick", at="2026-11-24T12:00:00+08:00")
    out = capsys.readouterr().out
    assert "sla_sweep" in out and "payout_sweep" in out
    assert "2026-11-24T12:00:00+08:00" in out
