"""Every KPI of SPEC section 7, pinned on hand-built data (see support.py):
month boundaries in Asia/Shanghai, refunds filed a month after the order,
partial approvals, cancelled and rejected requests, the percentile, the SLA
share and satisfaction; and a month without data."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from accounts import roles
from analytics import selectors
from analytics.months import Month
from analytics.services import kpis_compute, kpis_for_range
from tests.factories import UserFactory

from .support import (
    APRIL,
    MARCH,
    empty_month,
    feedback_on,
    order_at,
    payout_for,
    request_on,
    sh,
)

pytestmark = pytest.mark.django_db


def test_march_figures_match_the_hand_count(march):
    assert kpis_compute(Month(2025, 3)).as_dict() == MARCH


def test_april_counts_the_request_filed_after_a_march_order(march):
    """The order stays March's (refunded_orders, refund_amount); the request
    and its resolution are April's."""
    assert kpis_compute(Month(2025, 4)).as_dict() == APRIL


def test_a_month_without_data_answers_zeros_and_nulls(march):
    assert kpis_compute(Month(2025, 1)).as_dict() == empty_month("2025-01")


def test_an_empty_database_answers_zeros_and_nulls(now):
    assert kpis_compute(Month(2025, 5)).as_dict() == empty_month("2025-05")


def test_month_boundaries_are_asia_shanghai(march):
    """An order at 00:30 on 1 March Shanghai time (28 February in UTC)
    counts in March; one at 00:10 on 1 April (31 March in UTC) in April."""
    feb = kpis_compute(Month(2025, 2))
    assert feb.orders == 1
    assert kpis_compute(Month(2025, 3)).orders == 7
    assert kpis_compute(Month(2025, 4)).orders == 1


def test_cancelled_and_rejected_requests_are_not_refunded_orders(now):
    customer = UserFactory(role=roles.CUSTOMER)
    rejected = order_at(customer, sh(3, 5, 12))
    cancelled = order_at(customer, sh(3, 6, 12))
    pending = order_at(customer, sh(3, 7, 12))
    request_on(rejected, created_at=sh(3, 5, 13), status="rejected", reason="changed_mind")
    request_on(cancelled, created_at=sh(3, 6, 13), status="cancelled")
    request_on(pending, created_at=sh(3, 7, 13), status="pending_review")

    kpis = kpis_compute(Month(2025, 3))

    assert (kpis.orders, kpis.refunded_orders, kpis.refund_rate) == (3, 0, 0.0)
    assert kpis.refund_amount == Decimal("0.00")
    assert kpis.refund_requests == 3
    assert kpis.decided_requests == 1  # the rejection; cancelled and pending are undecided
    assert kpis.auto_decided_share == 1.0


def test_an_order_with_two_granted_requests_counts_once(now):
    """Two partial refunds of one order: one refunded order, both amounts."""
    customer = UserFactory(role=roles.CUSTOMER)
    order = order_at(customer, sh(3, 5, 12))
    request_on(order, created_at=sh(3, 5, 13), status="approved", requested="8.00", approved="8.00")
    request_on(order, created_at=sh(3, 5, 14), status="refunded", requested="9.00", approved="6.30")

    kpis = kpis_compute(Month(2025, 3))

    assert (kpis.orders, kpis.refunded_orders, kpis.refund_rate) == (1, 1, 1.0)
    assert kpis.refund_amount == Decimal("14.30")
    assert kpis.by_merchant[0].refunded_orders == 1


def test_refund_amount_is_exact_to_the_cent_over_many_rows(now):
    """SQLite sums decimals as floats; the figure is quantized to the cent."""
    customer = UserFactory(role=roles.CUSTOMER)
    for day in range(1, 11):
        order = order_at(customer, sh(3, day, 12))
        request_on(
            order, created_at=sh(3, day, 13), status="approved", requested="0.10", approved="0.10"
        )
        request_on(
            order, created_at=sh(3, day, 14), status="approved", requested="0.20", approved="0.20"
        )

    kpis = kpis_compute(Month(2025, 3))

    assert kpis.refund_amount == Decimal("3.00")
    assert kpis.as_dict()["refund_amount"] == "3.00"
    assert [r["amount"] for r in kpis.as_dict()["by_reason"]] == ["3.00"]


def resolved_after(customer: Any, hours: list[float]) -> None:
    """One refunded request per entry, paid that many hours after filing."""
    for index, h in enumerate(hours):
        order = order_at(customer, sh(3, 1 + index, 8))
        request = request_on(
            order, created_at=sh(3, 1 + index, 9), status="refunded", approved="24.00"
        )
        payout_for(request, "24.00", succeeded_at=request.created_at + timedelta(hours=h))


def test_p90_of_a_known_list_is_interpolated(now):
    """1..10 hours: mean 5.5; rank 0.9 * 9 = 8.1, between 9 and 10: 9.1."""
    resolved_after(UserFactory(role=roles.CUSTOMER), [7, 3, 10, 1, 5, 2, 9, 4, 8, 6])

    kpis = kpis_compute(Month(2025, 3))

    assert kpis.resolved_requests == 10
    assert kpis.avg_resolution_hours == 5.5
    assert kpis.p90_resolution_hours == 9.1


@pytest.mark.parametrize(
    ("hours", "p90"),
    [([12], 12.0), ([10, 20], 19.0), ([1, 2, 3, 4, 5], 4.6), ([0.5, 0.5, 48, 72], 64.8)],
)
def test_p90_on_short_lists(now, hours, p90):
    resolved_after(UserFactory(role=roles.CUSTOMER), hours)
    assert kpis_compute(Month(2025, 3)).p90_resolution_hours == p90


def test_resolution_counts_in_the_month_of_the_last_payout(now):
    """Two payouts, the second paid in April: resolved in April, not March."""
    customer = UserFactory(role=roles.CUSTOMER)
    order = order_at(customer, sh(3, 31, 12))
    request = request_on(order, created_at=sh(3, 31, 13), status="refunded", approved="24.00")
    payout_for(request, "12.00", succeeded_at=sh(3, 31, 20))
    payout_for(request, "12.00", succeeded_at=sh(4, 1, 1))

    assert kpis_compute(Month(2025, 3)).resolved_requests == 0
    april = kpis_compute(Month(2025, 4))
    assert (april.resolved_requests, april.avg_resolution_hours) == (1, 12.0)


def test_a_paid_request_not_yet_refunded_is_not_resolved(now):
    """One payout paid, the other failed: payout_failed, not resolved."""
    customer = UserFactory(role=roles.CUSTOMER)
    order = order_at(customer, sh(3, 3, 12))
    request = request_on(order, created_at=sh(3, 3, 13), status="payout_failed", approved="24.00")
    payout_for(request, "12.00", succeeded_at=sh(3, 3, 14))
    payout_for(request, "12.00", status="failed")

    kpis = kpis_compute(Month(2025, 3))

    assert kpis.resolved_requests == 0
    assert kpis.avg_resolution_hours is None
    assert kpis.refunded_orders == 1


def test_review_sla_share_counts_staff_decisions_by_their_due_time(now):
    customer = UserFactory(role=roles.CUSTOMER)
    times = [
        # (created, decided): due 24 h after creation
        (sh(3, 2, 9), sh(3, 2, 10)),  # met
        (sh(3, 3, 9), sh(3, 4, 9)),  # met: exactly at the due time
        (sh(3, 4, 9), sh(3, 5, 9, 1)),  # missed by a minute
        (sh(2, 28, 9), sh(3, 1, 8)),  # filed in February, decided in March: met
        (sh(3, 31, 9), sh(4, 1, 9)),  # decided in April: not March's
    ]
    for index, (created, decided) in enumerate(times):
        order = order_at(customer, created - timedelta(hours=1))
        request_on(
            order,
            created_at=created,
            status="rejected" if index % 2 else "approved",
            approved=None if index % 2 else "24.00",
            source="agent",
            decided_at=decided,
        )
    # Auto-review decisions are not staff decisions.
    request_on(
        order_at(customer, sh(3, 9, 9)),
        created_at=sh(3, 9, 10),
        status="approved",
        approved="24.00",
    )

    kpis = kpis_compute(Month(2025, 3))

    assert kpis.staff_decisions == 4
    assert kpis.review_sla_met_share == 0.75


def test_satisfaction_is_the_mean_rating_of_the_month(now):
    customer = UserFactory(role=roles.CUSTOMER)
    ratings = [5, 4, 4, 2]
    for index, rating in enumerate(ratings):
        order = order_at(customer, sh(3, 1 + index, 8))
        request = request_on(order, created_at=sh(3, 1 + index, 9), status="rejected")
        feedback_on(request, rating, sh(3, 2 + index, 9))
    late = request_on(order_at(customer, sh(3, 28, 8)), created_at=sh(3, 28, 9), status="rejected")
    feedback_on(late, 1, sh(4, 2, 9))  # given in April

    kpis = kpis_compute(Month(2025, 3))

    assert (kpis.satisfaction_avg, kpis.satisfaction_count) == (3.75, 4)
    assert kpis_compute(Month(2025, 4)).satisfaction_avg == 1.0


def test_by_merchant_is_the_top_20_by_refund_rate(now):
    customer = UserFactory(role=roles.CUSTOMER)
    for index in range(22):
        code = f"M{index:03d}"
        refunded = order_at(customer, sh(3, 2, 8), merchant=code)
        order_at(customer, sh(3, 2, 9), merchant=code)
        if index % 3 == 0:
            request_on(refunded, created_at=sh(3, 2, 10), status="approved", approved="1.00")

    rows = kpis_compute(Month(2025, 3)).by_merchant

    assert len(rows) == 20
    assert [r.merchant for r in rows[:8]] == [
        "M000",
        "M003",
        "M006",
        "M009",
        "M012",
        "M015",
        "M018",
        "M021",
    ]
    assert {r.refund_rate for r in rows[:8]} == {0.5}
    assert {r.refund_rate for r in rows[8:]} == {0.0}
    assert [r.merchant for r in rows[8:]] == sorted(r.merchant for r in rows[8:])


def test_a_date_range_is_supported(march):
    """The same figures over any range: here the first ten days of March."""
    kpis = kpis_for_range(sh(3, 1), sh(3, 11), label="first days")
    assert kpis.orders == 2  # o1, o2
    assert kpis.refunded_orders == 2
    assert kpis.refund_amount == Decimal("34.50")
    assert kpis.month == "first days"


def test_the_month_takes_a_handful_of_queries(march, django_assert_max_num_queries):
    # Orders and merchants, reasons filed, reasons of the month's orders,
    # who pays for them, resolution (2 on SQLite), SLA, ratings.
    with django_assert_max_num_queries(8):
        kpis_compute(Month(2025, 3))


@pytest.mark.postgres
def test_postgres_computes_the_percentile_in_one_aggregate(now, django_assert_num_queries):
    resolved_after(UserFactory(role=roles.CUSTOMER), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert connection.vendor == "postgresql"
    with django_assert_num_queries(1):
        stats = selectors.resolution_stats(sh(3, 1), sh(4, 1))
    assert round(stats.p90_hours, 6) == 9.1


def test_the_reasons_add_up_to_the_refund_amount(march):
    kpis = kpis_compute(Month(2025, 3))

    assert sum(r.amount for r in kpis.by_reason) == kpis.refund_amount == Decimal("75.30")
