"""The KPIs of requests that went through the real services: filed and
auto-reviewed (refund_file), decided by an agent (refund_decide), paid by the
payout sweep on the sandbox gateway, rated (refund_feedback)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from accounts import roles
from analytics.months import Month
from analytics.services import kpis_compute
from refundportal import clock
from refunds import services
from refunds.services import payout_sweep
from tests.factories import UserFactory, create_order_at

from .support import sh

pytestmark = pytest.mark.django_db


def test_filed_decided_paid_and_rated():
    customer = UserFactory(role=roles.CUSTOMER, date_joined=sh(1, 1))
    agent = UserFactory(role=roles.AGENT)
    filed_at = sh(3, 10, 12)
    with clock.frozen_at(filed_at):
        # Not yet accepted by the merchant: rule 4 approves at once (24.00).
        placed = create_order_at(customer=customer, promised_at=filed_at - timedelta(minutes=5))
        auto = services.refund_file(
            customer=customer, order_number=placed.number, reason="other"
        ).request
        # Delivered: "other" goes to staff review (rule 15).
        delivered = create_order_at(
            customer=customer,
            status="delivered",
            promised_at=filed_at - timedelta(hours=1),
            delivered_at=filed_at - timedelta(minutes=30),
        )
        pending = services.refund_file(
            customer=customer, order_number=delivered.number, reason="other"
        ).request
    assert (auto.status, pending.status) == ("approved", "pending_review")

    with clock.frozen_at(filed_at + timedelta(hours=2)):
        services.refund_decide(
            refund=pending,
            agent=agent,
            decision="approve",
            amount=Decimal("10.00"),
            note="部分退款：饮料未少送",
        )
    for hours in (3, 4):  # the sweep pays what is due
        with clock.frozen_at(filed_at + timedelta(hours=hours)):
            payout_sweep(clock.now())
    auto.refresh_from_db()
    pending.refresh_from_db()
    assert (auto.status, pending.status) == ("refunded", "refunded")
    with clock.frozen_at(filed_at + timedelta(hours=6)):
        services.refund_feedback(request=auto, customer=customer, rating=5, comment="快")
        services.refund_feedback(request=pending, customer=customer, rating=3)

    kpis = kpis_compute(Month(2025, 3))

    assert (kpis.orders, kpis.refunded_orders, kpis.refund_rate) == (2, 2, 1.0)
    assert kpis.refund_amount == Decimal("34.00")  # 24.00 + 10.00 of 24.00
    assert (kpis.refund_requests, kpis.decided_requests, kpis.auto_decided_share) == (2, 2, 0.5)
    assert (kpis.staff_decisions, kpis.review_sla_met_share) == (1, 1.0)
    assert kpis.resolved_requests == 2
    # Both paid by the sweep three hours after filing.
    assert (kpis.avg_resolution_hours, kpis.p90_resolution_hours) == (3.0, 3.0)
    assert (kpis.satisfaction_avg, kpis.satisfaction_count) == (4.0, 2)
    assert [(r.reason, r.count, r.amount) for r in kpis.by_reason] == [
        ("other", 2, Decimal("34.00"))
    ]
