"""GET /api/v1/analytics/monthly/?month=YYYY-MM: the figures of the KPI
service, for managers only; a bad month is 400 validation_error; the
schema describes every field."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from analytics.months import Month
from analytics.services import kpis_compute
from tests.conftest import client_as
from tests.factories import UserFactory

from .support import APRIL, MARCH, MONTHLY, empty_month

pytestmark = pytest.mark.django_db


def test_manager_reads_the_month(march, manager):
    response = manager.get(MONTHLY, {"month": "2025-03"})
    assert response.status_code == 200, response.content
    assert response.json() == MARCH


def test_the_answer_is_the_service_figures(march, manager):
    for month in (Month(2025, 3), Month(2025, 4)):
        body = manager.get(MONTHLY, {"month": str(month)}).json()
        assert body == kpis_compute(month).as_dict()
    assert manager.get(MONTHLY, {"month": "2025-04"}).json() == APRIL


def test_money_is_a_string_and_ratios_are_numbers(march, manager):
    body = manager.get(MONTHLY, {"month": "2025-03"}).json()
    assert body["refund_amount"] == "75.30"
    assert isinstance(body["refund_rate"], float)
    assert 0 <= body["refund_rate"] <= 1
    assert all(isinstance(r["amount"], str) for r in body["by_reason"])


def test_a_month_without_data(now, manager):
    response = manager.get(MONTHLY, {"month": "2019-07"})
    assert response.status_code == 200
    assert response.json() == empty_month("2019-07")


def test_no_month_is_the_current_month(march, manager):
    body = manager.get(MONTHLY).json()
    assert body["month"] == "2025-05"
    assert manager.get(MONTHLY, {"month": ""}).json()["month"] == "2025-05"


@pytest.mark.parametrize(
    "month",
    [
        "2025-13",
        "2025-00",
        "2025-3",
        "25-03",
        "2025/03",
        "March",
        "2025-03-01",
        " 2025-03",
        "0000-01",
        "9999-12",
        "２０２５-０３",
        "2025-03\n",
    ],
)
def test_a_bad_month_is_a_validation_error(now, manager, month):
    response = manager.get(MONTHLY, {"month": month})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["detail"]
    assert "month" in body["fields"]


def test_the_error_speaks_english_when_asked(now, manager):
    response = manager.get(MONTHLY, {"month": "nope"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "Give the month as YYYY-MM, e.g. 2026-03."
    response = manager.get(MONTHLY, {"month": "nope"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "YYYY-MM" in response.json()["detail"]
    assert response.json()["detail"] != "Give the month as YYYY-MM, e.g. 2026-03."


@pytest.mark.parametrize(
    ("caller", "status"),
    [
        ("manager", 200),
        ("superuser", 200),
        ("customer", 403),
        ("agent", 403),
        ("senior_agent", 403),
        ("finance", 403),
        ("integration", 403),
        ("no_role", 403),
        ("anonymous", 401),
    ],
)
def test_only_managers_read_kpis(now, caller, status):
    if caller == "anonymous":
        client: Any = APIClient()
    elif caller == "superuser":
        client = client_as(UserFactory(is_superuser=True, is_staff=True))
    else:
        client = client_as(UserFactory(role=None if caller == "no_role" else caller))

    response = client.get(MONTHLY, {"month": "2025-03"})

    assert response.status_code == status
    if status == 401:
        assert response.json()["code"] == "not_authenticated"
    if status == 403:
        assert response.json()["code"] == "forbidden"


def test_the_schema_describes_the_endpoint(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/analytics/monthly/"]["get"]
    (param,) = [p for p in operation["parameters"] if p["name"] == "month"]
    assert not param.get("required")
    assert param["schema"]["pattern"]
    assert {"200", "400", "401", "403"} <= set(operation["responses"])

    component = schema["components"]["schemas"]["MonthlyKpi"]
    properties = component["properties"]
    assert set(MARCH) <= set(properties)
    for name in (
        "avg_resolution_hours",
        "p90_resolution_hours",
        "auto_decided_share",
        "review_sla_met_share",
        "satisfaction_avg",
    ):
        assert properties[name].get("nullable") is True, name
    for name in ("orders", "refund_rate", "refund_amount", "by_reason", "by_merchant"):
        assert not properties[name].get("nullable"), name
    assert properties["refund_amount"]["type"] == "string"
    assert set(MARCH) <= set(component["required"])
