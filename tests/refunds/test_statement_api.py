"""The merchant's statement (SPEC 12): the refunds charged to its merchants
in a month, each with its order, reason, decision and dispute state, and
their exact total; as JSON and as CSV."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from accounts import roles
from refundportal import clock
from refunds.models import Liability, RefundRequest
from tests.conftest import client_as
from tests.factories import UserFactory

from .statement_support import (
    agent_approves,
    damaged_request,
    hold_for_the_merchant,
    merchant_approves,
    merchant_user,
)
from .support import english, old_customer

pytestmark = pytest.mark.django_db

STATEMENT = "/api/v1/merchant/statement/"
EXPORT = "/api/v1/merchant/statement/export/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """Two charges of M001 in March (one merchant approval in part, one
    agent approval in part), one in April, a courier's refund in March,
    and another merchant's charge in March."""
    with clock.frozen_at(sh(3, 1)):
        hold_for_the_merchant()
        customer = old_customer(days=90)
        laowang = merchant_user()
        xiaoli = merchant_user("M002", "小李面馆")
        agent = UserFactory(role=roles.AGENT)
    first = merchant_approves(
        damaged_request(customer, sh(3, 5)), laowang, sh(3, 5, 12, 20), "12.34"
    )
    second = agent_approves(
        damaged_request(customer, sh(3, 31, 20)), laowang, agent, sh(3, 31, 23), "7.77"
    )
    april = merchant_approves(damaged_request(customer, sh(4, 2)), laowang, sh(4, 2, 12, 20))
    other = merchant_approves(
        damaged_request(customer, sh(3, 6), merchant={"code": "M002", "name": "小李面馆"}),
        xiaoli,
        sh(3, 6, 12, 20),
    )
    courier = merchant_approves(damaged_request(customer, sh(3, 7)), laowang, sh(3, 7, 12, 20))
    RefundRequest.objects.filter(pk=courier.pk).update(liability=Liability.COURIER)
    return {
        "laowang": laowang,
        "xiaoli": xiaoli,
        "agent": agent,
        "first": first,
        "second": second,
        "april": april,
        "other": other,
    }


def statement(user: Any, month: str) -> Any:
    with clock.frozen_at(sh(4, 10)):
        return english(client_as(user)).get(STATEMENT, {"month": month})


def test_the_statement_lists_the_months_charges_and_their_exact_total(world):
    response = statement(world["laowang"], "2026-03")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month"] == "2026-03"
    assert body["count"] == 2
    assert body["total"] == "20.11"  # 12.34 + 7.77
    rows = body["rows"]
    assert [row["id"] for row in rows] == [world["first"].pk, world["second"].pk]
    first = rows[0]
    assert first["order"] == world["first"].order.number
    assert first["merchant"] == "M001"
    assert first["reason"] == "damaged"
    assert first["decision_source"] == "merchant"
    assert first["amount"] == "12.34"
    assert first["dispute_state"] == "none"
    assert first["dispute"] is None
    assert rows[1]["decision_source"] == "agent"
    # Decided at 23:00 on 31 March in Shanghai (15:00 UTC): March's.
    assert rows[1]["decided_at"].startswith("2026-03-31T23:00")


def test_april_has_its_own_charge_and_other_merchants_see_only_theirs(world):
    april = statement(world["laowang"], "2026-04").json()
    assert [row["id"] for row in april["rows"]] == [world["april"].pk]
    assert april["total"] == str(world["april"].approved_amount)

    theirs = statement(world["xiaoli"], "2026-03").json()
    assert [row["id"] for row in theirs["rows"]] == [world["other"].pk]


def test_an_empty_month_answers_zero_rows(world):
    body = statement(world["laowang"], "2026-01").json()
    assert body == {"month": "2026-01", "count": 0, "total": "0.00", "rows": []}


@pytest.mark.parametrize("month", ["", "2026-3", "2026-13", "march"])
def test_a_bad_or_missing_month_is_a_validation_error(world, month):
    response = statement(world["laowang"], month)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "month" in response.json()["fields"]


def test_the_csv_has_the_same_rows_and_a_total_line(world):
    with clock.frozen_at(sh(4, 10)):
        response = english(client_as(world["laowang"])).get(EXPORT, {"month": "2026-03"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="statement-2026-03.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["request", "order", "merchant"]
    assert [row[0] for row in rows[1:3]] == [str(world["first"].pk), str(world["second"].pk)]
    assert rows[1][6] == "12.34"
    assert rows[3][0] == "total" and rows[3][6] == "20.11"
    assert sum(Decimal(row[6]) for row in rows[1:3]) == Decimal("20.11")


def test_the_csv_refuses_a_bad_month(world):
    response = english(client_as(world["laowang"])).get(EXPORT, {"month": "2026/03"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "validation_error"


def test_a_merchant_user_linked_to_no_merchant_is_told_why(db):
    lonely = UserFactory(role=roles.MERCHANT)
    response = english(client_as(lonely)).get(STATEMENT, {"month": "2026-03"})
    assert response.status_code == 403
    assert "no merchant" in response.json()["detail"]


def test_the_statement_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = english(client_as(world["laowang"]))
    with django_assert_max_num_queries(8):
        assert client.get(STATEMENT, {"month": "2026-03"}).status_code == 200


def test_a_disputed_charge_shows_its_state(world):
    with clock.frozen_at(sh(4, 3)):
        response = english(client_as(world["laowang"])).post(
            f"/api/v1/refunds/{world['second'].pk}/dispute/",
            {"note": "The rider spilled it"},
            format="json",
        )
    assert response.status_code == 201, response.content
    rows = statement(world["laowang"], "2026-03").json()["rows"]
    assert [row["dispute_state"] for row in rows] == ["none", "open"]
    assert rows[1]["dispute"]["note"] == "The rider spilled it"
    assert rows[1]["dispute_closes_at"].startswith("2026-04-07T23:00")
