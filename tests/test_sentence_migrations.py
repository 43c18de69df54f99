"""Rows written before sentences were kept as ids get their ids and facts:
timeline notes matched in either language, notifications rebuilt from their
request, payout errors given their codes (on PostgreSQL past the timeline's
append-only trigger)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation

from notifications import presenters as notification_presenters
from notifications.models import Notification
from payouts.models import Payout
from refunds.models import TimelineEvent
from refunds.presenters import timeline_note

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("refunds", "0005_fk_indexes_covered_by_composites"),
    ("notifications", "0002_fk_indexes_covered_by_composites"),
    ("payouts", "0003_fk_indexes_covered_by_composites"),
]
AFTER = [
    ("refunds", "0006_sentences_not_text"),
    ("notifications", "0003_sentences_not_text"),
    ("payouts", "0004_errors_as_codes"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_old_text_rows_become_sentences_read_in_either_language():
    old = migrate(BEFORE)
    User = old.get_model("auth", "User")
    Merchant = old.get_model("orders", "Merchant")
    Order = old.get_model("orders", "Order")
    Tender = old.get_model("orders", "Tender")
    Request = old.get_model("refunds", "RefundRequest")
    Event = old.get_model("refunds", "TimelineEvent")
    OldNotification = old.get_model("notifications", "Notification")
    OldPayout = old.get_model("payouts", "Payout")
    now = timezone.now()
    customer = User.objects.create(username="old-customer")
    order = Order.objects.create(
        number="OLD-1",
        customer=customer,
        merchant=Merchant.objects.create(code="M1", name="Noodle Bar"),
        placed_at=now - timedelta(hours=2),
        promised_at=now - timedelta(hours=1),
        status="delivered",
        delivered_at=now - timedelta(minutes=50),
        items_total=Decimal("24.00"),
        paid_total=Decimal("24.00"),
        payload_digest="-",
    )
    tender = Tender.objects.create(
        order=order, position=0, method="card", amount=Decimal("24.00"), account="c:1"
    )
    refund = Request.objects.create(
        order=order,
        customer=customer,
        reason="late_delivery",
        status="refunded",
        requested_amount=Decimal("24.00"),
        approved_amount=Decimal("12.00"),
        decision_source="auto",
        decision_rule="R9",
        decision_note="配送超时 40 分钟：按平台规则退还 50%。",
        decision_facts={"minutes_late": 40, "percent": 50, "proposed_amount": "12.00"},
        decided_at=now,
        review_due_at=now + timedelta(hours=24),
        created_at=now,
        updated_at=now,
    )
    common = {"request": refund, "at": now, "actor_role": "system"}
    Event.objects.create(
        **common,
        to_status="approved",
        rule="R9",
        note="配送超时 40 分钟",
        facts={"minutes_late": 40, "percent": 50, "proposed_amount": "12.00"},
    )
    Event.objects.create(
        **common,
        from_status="approved",
        to_status="refunded",
        note="所有打款均已成功：款项正在退回。",
    )
    Event.objects.create(
        **common,
        from_status="refunded",
        to_status="refunded",
        note="Escalated: 80 % of the review time has passed.",
    )
    OldNotification.objects.create(
        user=customer,
        event="refund_refunded",
        title_zh="已退款 ¥12.00",
        title_en="¥12.00 refunded",
        body_zh="An agent will review your request",
        link=f"/refunds/{refund.pk}/",
        created_at=now,
    )
    OldNotification.objects.create(
        user=customer,
        event="review_sla_drift",
        title_zh="审核时效低于目标",
        title_en="Review SLA below target",
        created_at=now,
    )
    OldPayout.objects.create(
        refund=refund,
        tender=tender,
        method="card",
        account="c:1",
        amount=Decimal("12.00"),
        status="failed",
        last_error="card declined",
        idempotency_key="k-old-1",
        created_at=now,
        updated_at=now,
    )

    migrate(AFTER)

    events = list(TimelineEvent.objects.filter(request_id=refund.pk).order_by("pk"))
    assert [e.message for e in events] == ["", "refund.payouts_succeeded", "refund.escalated"]
    assert all(e.note == "" for e in events)
    assert events[2].facts == {"percent": 80}
    with translation.override("en"):
        assert timeline_note(events[0]) == (
            "Delivered 40 min late: 50 % refunded under the platform rule."
        )
        assert timeline_note(events[1]).startswith("Every payout succeeded")
    with translation.override("zh-hans"):
        assert "80" in timeline_note(events[2]) and "Escalated" not in timeline_note(events[2])
    about_refund, alert = Notification.objects.order_by("pk")
    assert about_refund.facts["request"]["number"] == "OLD-1"
    assert "An agent" not in notification_presenters.body(about_refund, "zh-hans")
    assert "¥12.00" in notification_presenters.title(about_refund, "en")
    assert notification_presenters.title(alert, "zh-hans") == "审核时效低于目标"
    assert Payout.objects.get(idempotency_key="k-old-1").last_error == "declined"
