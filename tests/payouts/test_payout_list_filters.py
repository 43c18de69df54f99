"""GET /api/v1/payouts/ and the export with filter values at the edges: an
id past the bigint range, a digit int() refuses, a day at the start of the
calendar. Each answered 500 before (found by the API fuzz run)."""

import pytest

from tests.conftest import client_as
from tests.factories import UserFactory

ALIPAY = [{"method": "alipay", "amount": "24.00", "account": "alipay:ok"}]


@pytest.fixture
def finance(db):
    return client_as(UserFactory(role="finance"))


def test_a_refund_id_past_the_bigint_range_finds_no_payout(finance, approve_on_placed_order):
    approve_on_placed_order(ALIPAY)
    response = finance.get("/api/v1/payouts/", {"refund": "422710816031084576728573542400"})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_refund_id_still_filters(finance, approve_on_placed_order):
    refund = approve_on_placed_order(ALIPAY)
    approve_on_placed_order(ALIPAY)
    response = finance.get("/api/v1/payouts/", {"refund": str(refund.pk)})
    assert [row["refund"] for row in response.json()["results"]] == [refund.pk]


@pytest.mark.parametrize("refund", ["²", "x", "1.5"])
def test_a_refund_id_that_is_no_integer_is_a_validation_error(
    finance, approve_on_placed_order, refund
):
    approve_on_placed_order(ALIPAY)
    response = finance.get("/api/v1/payouts/", {"refund": refund})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["fields"]) == ["refund"]


@pytest.mark.parametrize("path", ["/api/v1/payouts/", "/api/v1/payouts/export/"])
def test_days_at_the_edges_of_the_calendar_are_open_ended(finance, approve_on_placed_order, path):
    approve_on_placed_order(ALIPAY)
    response = finance.get(path, {"from": "0001-01-01", "to": "9999-12-31"})
    assert response.status_code == 200
    if path == "/api/v1/payouts/":
        assert response.json()["count"] == 1
