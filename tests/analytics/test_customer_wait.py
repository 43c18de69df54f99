"""The time a request waited for its customer's answer: left out of the
review SLA (the review clock stood still), and averaged per month as
``avg_customer_wait_hours`` in the API, the roll-up and the dashboard."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts import roles
from analytics.models import MonthlyKpi
from analytics.months import Month
from analytics.services import kpi_rollup, kpis_compute
from refundportal import clock
from refunds import services
from refunds.models import Appeal, RefundPolicy
from tests.factories import UserFactory, create_order_at

from .support import DASHBOARD, MONTHLY, NOW, order_at, request_on, sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(now: Any) -> Any:
    return UserFactory(role=roles.CUSTOMER)


def staff_decision(customer: Any, created: Any, decided: Any, **kw: Any) -> Any:
    return request_on(
        order_at(customer, created - timedelta(hours=1)),
        created_at=created,
        status="rejected",
        source="agent",
        decided_at=decided,
        **kw,
    )


def test_a_decision_late_only_because_of_the_wait_is_within_the_sla(customer):
    # Decided 34 h after filing, 30 of them waiting for the customer:
    # reviewed in 4 h.
    staff_decision(customer, sh(3, 2, 9), sh(3, 3, 19), customer_wait=timedelta(hours=30))

    kpis = kpis_compute(Month(2025, 3))

    assert (kpis.staff_decisions, kpis.review_sla_met_share) == (1, 1.0)


def test_the_same_decision_without_a_wait_breaches_the_sla(customer):
    staff_decision(customer, sh(3, 2, 9), sh(3, 3, 19))

    kpis = kpis_compute(Month(2025, 3))

    assert (kpis.staff_decisions, kpis.review_sla_met_share) == (1, 0.0)


def test_only_the_time_waited_is_left_out(customer):
    staff_decision(  # 34 h - 10 h waited = 24 h: exactly in time
        customer, sh(3, 2, 9), sh(3, 3, 19), customer_wait=timedelta(hours=10)
    )
    staff_decision(  # 34 h - 9 h 59 min = a minute late
        customer, sh(3, 4, 9), sh(3, 5, 19), customer_wait=timedelta(hours=9, minutes=59)
    )

    kpis = kpis_compute(Month(2025, 3))

    assert (kpis.staff_decisions, kpis.review_sla_met_share) == (2, 0.5)


def test_the_sla_is_the_policys(customer):
    policy = RefundPolicy.current()
    policy.review_sla_hours = 12
    policy.save()
    staff_decision(customer, sh(3, 2, 9), sh(3, 2, 20))  # 11 h: in time
    staff_decision(  # 13 h - 2 h waited = 11 h: in time
        customer, sh(3, 3, 9), sh(3, 3, 22), customer_wait=timedelta(hours=2)
    )
    staff_decision(customer, sh(3, 4, 9), sh(3, 4, 22))  # 13 h: late

    kpis = kpis_compute(Month(2025, 3))

    assert (kpis.staff_decisions, kpis.review_sla_met_share) == (3, 0.6667)


def test_an_appeals_decision_is_held_against_the_appeals_due_time(customer):
    # Rejected for want of an answer after a 48 h wait, appealed on 10
    # March, decided by a senior agent within the appeal's 24 h.
    appealed = staff_decision(
        customer,
        sh(3, 2, 9),
        sh(3, 10, 20),
        customer_wait=timedelta(hours=48),
        review_due_at=sh(3, 11, 9),
    )
    Appeal.objects.create(request=appealed, reason="I did answer", created_at=sh(3, 10, 9))
    # The same, decided past the appeal's due time.
    late = staff_decision(
        customer,
        sh(3, 3, 9),
        sh(3, 12, 10),
        customer_wait=timedelta(hours=48),
        review_due_at=sh(3, 12, 9),
    )
    Appeal.objects.create(request=late, reason="I did answer", created_at=sh(3, 11, 9))

    kpis = kpis_compute(Month(2025, 3))

    assert (kpis.staff_decisions, kpis.review_sla_met_share) == (2, 0.5)


def test_the_average_wait_is_over_the_months_requests_that_waited(customer):
    for day, waited in [(2, timedelta(hours=2)), (3, timedelta(hours=4)), (4, None)]:
        request_on(
            order_at(customer, sh(3, day, 8)),
            created_at=sh(3, day, 9),
            status="pending_review",
            customer_wait=waited or timedelta(0),
        )
    # Cancelled during its wait: it waited all the same.
    request_on(
        order_at(customer, sh(3, 5, 8)),
        created_at=sh(3, 5, 9),
        status="cancelled",
        reason="food_quality",
        customer_wait=timedelta(hours=9),
    )
    # Filed in February and in April: other months' requests.
    request_on(
        order_at(customer, sh(2, 27, 8)),
        created_at=sh(2, 27, 9),
        status="rejected",
        customer_wait=timedelta(hours=48),
    )
    request_on(
        order_at(customer, sh(4, 2, 8)),
        created_at=sh(4, 2, 9),
        status="rejected",
        customer_wait=timedelta(hours=30, minutes=30),
    )

    assert kpis_compute(Month(2025, 3)).avg_customer_wait_hours == 5.0  # (2 + 4 + 9) / 3
    assert kpis_compute(Month(2025, 2)).avg_customer_wait_hours == 48.0
    assert kpis_compute(Month(2025, 4)).avg_customer_wait_hours == 30.5


def test_a_month_where_no_request_waited_has_no_average(customer):
    request_on(order_at(customer, sh(3, 2, 8)), created_at=sh(3, 2, 9), status="rejected")

    assert kpis_compute(Month(2025, 3)).avg_customer_wait_hours is None
    assert kpis_compute(Month(2025, 1)).avg_customer_wait_hours is None


def test_the_api_answers_the_average_and_the_rollup_keeps_it(customer, manager):
    request_on(
        order_at(customer, sh(3, 2, 8)),
        created_at=sh(3, 2, 9),
        status="pending_review",
        customer_wait=timedelta(hours=7, minutes=15),
    )

    live = manager.get(MONTHLY, {"month": "2025-03"}).json()
    kpi_rollup(NOW)
    rolled_up = manager.get(MONTHLY, {"month": "2025-03"}).json()

    assert live["avg_customer_wait_hours"] == 7.25
    assert MonthlyKpi.objects.get(month="2025-03").avg_customer_wait_hours == 7.25
    assert rolled_up == live
    assert manager.get(MONTHLY, {"month": "2025-04"}).json()["avg_customer_wait_hours"] is None


def test_the_schema_describes_the_average(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    component = schema["components"]["schemas"]["MonthlyKpi"]
    assert component["properties"]["avg_customer_wait_hours"]["nullable"] is True
    assert "avg_customer_wait_hours" in component["required"]


def test_the_dashboard_shows_the_average_wait(customer):
    for day, hours in [(2, 3), (3, 6)]:
        request_on(
            order_at(customer, sh(3, day, 8)),
            created_at=sh(3, day, 9),
            status="pending_review",
            customer_wait=timedelta(hours=hours),
        )
    page = Client()
    page.force_login(UserFactory(role=roles.MANAGER))

    march = page.get(DASHBOARD, {"month": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en")
    april = page.get(DASHBOARD, {"month": "2025-04"}, HTTP_ACCEPT_LANGUAGE="en")

    text = march.content.decode()
    assert 'data-testid="kpi-avg_customer_wait_hours">4.5 h<' in text
    assert "Average wait for the customer" in text
    assert 'data-testid="kpi-avg_customer_wait_hours">—<' in april.content.decode()
    assert "No request waited for the customer" in april.content.decode()


def test_asked_answered_and_decided_through_the_services():
    customer = UserFactory(role=roles.CUSTOMER, date_joined=sh(1, 1))
    agent = UserFactory(role=roles.AGENT)
    filed_at = sh(3, 10, 12)
    with clock.frozen_at(filed_at):
        delivered = create_order_at(
            customer=customer,
            status="delivered",
            promised_at=filed_at - timedelta(hours=1),
            delivered_at=filed_at - timedelta(minutes=30),
        )
        refund = services.refund_file(
            customer=customer, order_number=delivered.number, reason="other"
        ).request
    assert refund.status == "pending_review"
    with clock.frozen_at(filed_at + timedelta(hours=2)):
        services.refund_message_post(
            refund=refund, author=agent, body="Please send a photo.", awaiting_customer=True
        )
    refund.refresh_from_db()
    with clock.frozen_at(filed_at + timedelta(hours=32)):  # 30 h later
        services.refund_message_post(refund=refund, author=customer, body="Here it is.")
    refund.refresh_from_db()
    with clock.frozen_at(filed_at + timedelta(hours=40)):  # 10 h of review in all
        services.refund_decide(
            refund=refund, agent=agent, decision="approve", amount=Decimal("5.00"), note="部分"
        )

    kpis = kpis_compute(Month(2025, 3))

    assert (kpis.staff_decisions, kpis.review_sla_met_share) == (1, 1.0)
    assert kpis.avg_customer_wait_hours == 30.0
