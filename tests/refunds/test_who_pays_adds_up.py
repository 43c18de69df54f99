"""Who pays adds up to the cent (SPEC 3, 7, 12): over two months of partial
approvals by the merchant and by agents, the merchant's statement total is
the KPIs' merchant share of the refund amount, and both are what the
payouts paid back. Every order here is placed, filed, decided and paid in
the same month, so that the statement's month (decided in) and the KPIs'
(orders placed in) hold the same requests."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from accounts import roles
from analytics.services import kpis_compute
from payouts.models import Payout
from payouts.states import PayoutStatus
from refundportal import clock
from refundportal.months import Month
from refunds.models import Liability, RefundRequest
from refunds.statements import merchant_statement
from refunds.states import RefundStatus
from tests.factories import UserFactory

from .statement_support import (
    agent_approves,
    damaged_request,
    hold_for_the_merchant,
    merchant_approves,
    merchant_user,
    pay,
)
from .support import old_customer

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


# (month, day, who approves, amount approved or None for in full)
CHARGES = [
    (3, 3, "merchant", "13.37"),
    (3, 9, "agent", "5.01"),
    (3, 17, "merchant", None),
    (3, 28, "agent", "19.99"),
    (4, 2, "agent", "0.01"),
    (4, 11, "merchant", "23.99"),
    (4, 20, "merchant", None),
]


def paid(refund_ids: list[int]) -> Decimal:
    return sum(
        (
            payout.amount
            for payout in Payout.objects.filter(
                refund_id__in=refund_ids, status=PayoutStatus.SUCCEEDED
            )
        ),
        Decimal("0.00"),
    )


def test_the_statement_the_kpis_and_the_payouts_agree_to_the_cent(db: Any) -> None:
    with clock.frozen_at(sh(3, 1)):
        hold_for_the_merchant()
        customer = old_customer(days=90)
        laowang = merchant_user()
        agent = UserFactory(role=roles.AGENT)
    for month, day, who, amount in CHARGES:
        filed = sh(month, day)
        refund = damaged_request(customer, filed)
        if who == "merchant":
            refund = merchant_approves(refund, laowang, filed + timedelta(minutes=20), amount)
        else:
            assert amount is not None
            refund = agent_approves(refund, laowang, agent, filed + timedelta(hours=3), amount)
        pay(refund, filed + timedelta(hours=3))

    assert set(RefundRequest.objects.values_list("status", flat=True)) == {RefundStatus.REFUNDED}
    assert set(RefundRequest.objects.values_list("liability", flat=True)) == {Liability.MERCHANT}
    with clock.frozen_at(sh(5, 1)):
        for month in (Month(2026, 3), Month(2026, 4)):
            statement = merchant_statement(laowang, month)
            kpis = kpis_compute(month)
            merchant_share = {row.liability: row for row in kpis.by_liability}["merchant"]
            ids = [refund.pk for refund in statement.rows]

            assert statement.count == len([c for c in CHARGES if c[0] == month.month])
            assert statement.total == merchant_share.amount
            assert statement.count == merchant_share.count
            assert statement.total == paid(ids)
            assert statement.total == sum(
                (refund.approved_amount for refund in statement.rows), Decimal("0.00")
            )
            # Nothing is borne by anyone else, so the merchant's share is all of it.
            assert kpis.refund_amount == statement.total
    # Partial amounts really were partial: not every charge is the whole order.
    assert RefundRequest.objects.filter(approved_amount__lt=Decimal("24.00")).count() == 5
