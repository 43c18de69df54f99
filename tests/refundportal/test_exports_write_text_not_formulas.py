"""Exports write text that starts like a formula as text (CSV/formula
injection): a merchant named ``=HYPERLINK(...)`` is not a live formula in
the manager's CSV or XLSX, nor an account or error in finance's CSV."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from analytics.exports import to_csv, to_xlsx
from analytics.months import Month
from analytics.services import kpis_compute
from orders.models import Merchant
from payouts.models import Payout
from refundportal import clock
from refundportal.spreadsheets import as_text
from tests.conftest import client_as
from tests.factories import UserFactory, create_order_at

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example","click")'
# The order must fall in the month the export covers, whatever today is.
MID_MONTH = datetime(2026, 3, 18, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_starting_like_a_formula_is_prefixed(start):
    assert as_text(f"{start}1+1") == f"'{start}1+1"
    assert as_text("老王川菜馆") == "老王川菜馆"
    assert as_text(-5) == -5  # numbers stay numbers


def test_a_merchant_named_like_a_formula_is_text_in_the_kpi_exports():
    with clock.frozen_at(MID_MONTH) as now:
        customer = UserFactory(role="customer", date_joined=now - timedelta(days=90))
        create_order_at(
            customer=customer,
            promised_at=now - timedelta(hours=2),
            merchant={"code": "M666", "name": EVIL},
        )
    Merchant.objects.filter(code="M666").update(name=EVIL)
    kpis = kpis_compute(Month.of(MID_MONTH))

    rows = list(csv.reader(io.StringIO(to_csv(kpis).decode("utf-8-sig"))))
    names = [row[1] for row in rows if row and row[0] == "M666"]
    assert names == ["'" + EVIL]

    sheet = load_workbook(io.BytesIO(to_xlsx(kpis))).worksheets[2]  # the merchants
    cells = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == ["'" + EVIL]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_an_account_named_like_a_formula_is_text_in_the_payout_export(
    django_capture_on_commit_callbacks,
):
    now = clock.now()
    customer = UserFactory(role="customer", date_joined=now - timedelta(days=90))
    order = create_order_at(customer=customer, promised_at=now + timedelta(minutes=20))
    client_as(customer).post(
        "/api/v1/refunds/", {"order": order.number, "reason": "other"}, format="json"
    )
    Payout.objects.update(gateway_reference="=cmd|' /C calc'!A0")

    body = client_as(UserFactory(role="finance")).get("/api/v1/payouts/export/").content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))

    assert rows[1][8] == "'=cmd|' /C calc'!A0"
