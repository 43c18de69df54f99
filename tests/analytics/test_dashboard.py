"""The managers' dashboard at /dashboard/: KPI cards against their targets,
the same figures as the API and the exports, charts drawn as inline SVG,
the merchants and the low ratings; managers only."""

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client

from accounts import roles
from analytics.months import Month
from analytics.pages import kpi_cards
from analytics.services import kpi_rollup, kpis_compute
from tests.factories import UserFactory

from .support import DASHBOARD, MARCH, MONTHLY, NOW

pytestmark = pytest.mark.django_db

CSV = "/dashboard/export.csv"
XLSX = "/dashboard/export.xlsx"


def browser_as(role: str | None, **kwargs: Any) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role, **kwargs))
    return client


@pytest.fixture
def page(now: Any) -> Client:
    return browser_as(roles.MANAGER)


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def card(text: str, key: str) -> str:
    match = re.search(rf'data-testid="kpi-{key}">([^<]*)<', text)
    assert match, key
    return match.group(1)


def card_status(text: str, key: str) -> str:
    match = re.search(rf'class="kpi-card( kpi-(ok|bad))?" data-kpi="{key}"', text)
    assert match, key
    return match.group(2) or ""


def test_the_cards_show_the_api_figures(march, page, manager):
    api = manager.get(MONTHLY, {"month": "2025-03"}).json()
    text = html(page.get(DASHBOARD, {"month": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en"))

    assert card(text, "refund_rate") == f"{api['refund_rate'] * 100:.2f}%" == "71.43%"
    assert card(text, "refund_amount") == f"¥{api['refund_amount']}" == "¥75.30"
    assert card(text, "avg_resolution_hours") == "18.7 h"
    assert card(text, "p90_resolution_hours") == "28.8 h"
    assert card(text, "auto_decided_share") == "40.00%"
    assert card(text, "review_sla_met_share") == "66.67%"
    assert card(text, "satisfaction_avg") == "2.67 / 5"


def test_each_card_is_held_against_its_target(march, page):
    text = html(page.get(DASHBOARD, {"month": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert card_status(text, "refund_rate") == "bad"  # 71 % is not below 5 %
    assert card_status(text, "avg_resolution_hours") == "ok"  # 18.7 h <= 48 h
    assert card_status(text, "satisfaction_avg") == "bad"  # 2.67 < 4.0
    assert card_status(text, "refund_amount") == ""  # no target
    assert "Target: below 5%" in text
    assert "Target: 48.0 h or less" in text
    assert "Target: 4.0 or more" in text


def test_a_month_without_data_shows_dashes_and_no_colours(now, page):
    text = html(page.get(DASHBOARD, {"month": "2024-01"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert card(text, "refund_rate") == "—"  # no data, not 0.00 %
    assert "No data for this month" in text
    assert card(text, "avg_resolution_hours") == "—"
    assert card(text, "satisfaction_avg") == "—"
    assert card_status(text, "refund_rate") == ""
    assert card_status(text, "satisfaction_avg") == ""
    assert "No orders were placed this month." in text


def test_the_page_is_chinese_by_default(march, page):
    text = html(page.get(DASHBOARD, {"month": "2025-03"}))
    assert "KPI 看板" in text
    assert "退款率" in text
    assert "目标" in text
    assert "Refund rate" not in text
    assert "18.7 小时" in text


def test_the_charts_are_inline_svg_with_no_script_or_outside_url(march, page):
    text = html(page.get(DASHBOARD, {"month": "2025-03"}))
    charts = re.findall(r'<figure class="card kpi-chart" data-chart="([a-z-]+)">\s*<svg', text)
    assert charts == ["refund-rate", "refund-amount", "resolution", "reasons"]
    assert "<script" not in text.split("<main", 1)[1]
    for url in re.findall(r'(?:href|src)=["\']([^"\']+)', text):
        assert not url.startswith(("http:", "https:", "//")), url
    svg_urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert svg_urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert 'class="line reactive' in text  # the trend lines are drawn
    assert 'class="rect reactive' in text  # and the bars
    assert "Noto Sans CJK SC" in text
    assert "订单未送达" in text  # the reasons chart labels in Chinese


def test_the_trend_covers_twelve_months(march, page):
    text = html(page.get(DASHBOARD, {"month": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Trends from 2024-04 to 2025-03; reasons of 2025-03." in text
    assert ">24-04<" in text and ">25-03<" in text


def test_the_merchants_and_the_low_ratings(march, page, settings):
    settings.KPI_LEAGUE_MIN_ORDERS = 1
    text = html(page.get(DASHBOARD, {"month": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en"))
    table = text.split('data-testid="merchant-table"')[1].split("</table>")[0]
    assert table.index("老王川菜馆") < table.index("小李面馆")
    assert "75.00%" in table and "66.67%" in table
    comments = text.split("Latest low ratings")[1]
    assert comments.index("为什么拒绝") < comments.index("退款金额不对")  # newest first
    assert "很快" not in comments  # rated 5


def test_a_merchant_link_opens_its_focus(march, page):
    text = html(
        page.get(DASHBOARD, {"month": "2025-03", "merchant": "M001"}, HTTP_ACCEPT_LANGUAGE="en")
    )
    focus = text.split('data-testid="merchant-focus"')[1].split("</section>")[0]
    assert "老王川菜馆 (M001)" in focus
    assert "75.00%" in focus and "3 of 4 orders" in focus
    unknown = html(page.get(DASHBOARD, {"merchant": "NOPE"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert "No merchant has the code NOPE." in unknown


def test_a_bad_month_says_so_and_shows_the_current_month(now, page):
    response = page.get(DASHBOARD, {"month": "2025-13"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Give the month as YYYY-MM" in text
    assert 'value="2025-05"' in text


def test_a_rolled_up_month_says_so_and_shows_the_same_figures(march, page):
    live = html(page.get(DASHBOARD, {"month": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en"))
    kpi_rollup(NOW)
    rolled = html(page.get(DASHBOARD, {"month": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert "computed live" in live
    assert "as rolled up at" in rolled
    for key in ("refund_rate", "refund_amount", "avg_resolution_hours", "satisfaction_avg"):
        assert card(live, key) == card(rolled, key)


def parse_csv(content: bytes) -> dict[str, str]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return {row[0]: row[2] for row in rows if len(row) == 3}


def test_the_csv_has_the_api_figures(march, page, manager):
    response = page.get(CSV, {"month": "2025-03"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="kpi-2025-03.csv"' in response["Content-Disposition"]
    figures = parse_csv(response.content)
    api = manager.get(MONTHLY, {"month": "2025-03"}).json()
    for key, value in api.items():
        if key in ("by_reason", "by_merchant", "by_liability"):
            continue
        expected = "" if value is None else str(value)
        assert figures[key] == expected, key
    text = response.content.decode("utf-8-sig")
    assert "food_quality,食品质量问题,1,10.50" in text
    assert "M001,老王川菜馆,4,3,0.75" in text
    assert "merchant,商家,2,22.50" in text
    assert "courier,骑手,1,4.80" in text


def test_the_xlsx_has_the_api_figures(march, page, manager):
    from openpyxl import load_workbook

    response = page.get(XLSX, {"month": "2025-03"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    kpi_sheet = workbook.worksheets[0]
    values = {row[2]: row[1] for row in kpi_sheet.iter_rows(min_row=3, values_only=True)}
    assert values["orders"] == MARCH["orders"]
    assert values["refund_rate"] == MARCH["refund_rate"]
    assert f"{values['refund_amount']:.2f}" == MARCH["refund_amount"]
    assert values["avg_resolution_hours"] == MARCH["avg_resolution_hours"]
    reasons = list(workbook.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert [r[3] for r in reasons] == [r["reason"] for r in MARCH["by_reason"]]
    merchants = list(workbook.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert merchants[0][:5] == ("老王川菜馆", "M001", 4, 3, 0.75)


def test_exports_refuse_a_bad_month(now, page):
    for url in (CSV, XLSX):
        assert page.get(url, {"month": "2025-3"}).status_code == 400


def test_exports_default_to_the_current_month(now, page):
    assert parse_csv(page.get(CSV).content)["month"] == "2025-05"


@pytest.mark.parametrize(
    "role",
    [roles.CUSTOMER, roles.AGENT, roles.SENIOR_AGENT, roles.FINANCE, roles.INTEGRATION, None],
)
def test_other_roles_get_403(now, role):
    client = browser_as(role)
    for url in (DASHBOARD, CSV, XLSX):
        assert client.get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(now):
    for url in (DASHBOARD, CSV, XLSX):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_header_links_the_dashboard_for_managers_only(now, page):
    assert 'href="/dashboard/"' in html(page.get("/notifications/"))
    agent = browser_as(roles.AGENT)
    assert 'href="/dashboard/"' not in agent.get("/notifications/").content.decode()


def test_the_dashboard_reads_rolled_up_months_in_one_query(
    march, page, django_assert_max_num_queries
):
    kpi_rollup(NOW)
    Month(2025, 3)
    # Session, user, roles, unread badge; 11 rolled-up months in one read;
    # the live month (May, empty); the low ratings.
    with django_assert_max_num_queries(20):
        html(page.get(DASHBOARD, {"month": "2025-04"}))
    assert kpis_compute(Month(2025, 3)).as_dict() == MARCH


def test_the_league_ranks_only_merchants_with_enough_orders(march, page, settings):
    settings.KPI_LEAGUE_MIN_ORDERS = 4
    text = html(page.get(DASHBOARD, {"month": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en"))

    table = text.split('data-testid="merchant-table"')[1].split("</table>")[0]
    ranked = re.findall(r"<span class=\"muted\">(M\d+)</span>", table)
    unranked = re.search(r"data-unranked>(\d+) merchants? with fewer than 4 orders", text)
    assert ranked, "at least one merchant has 4 orders"
    assert unranked is not None
    assert "ranked from 4 orders" in text


def test_the_month_in_progress_is_marked_and_not_judged(march, page):
    # March's figures miss two targets; while a month is in progress they are
    # not judged yet (no red, no green).
    figures = kpis_compute(Month(2025, 3))
    judged = {card.key: card.status for card in kpi_cards(figures)}
    in_progress = {card.key: card.status for card in kpi_cards(figures, in_progress=True)}
    assert judged["refund_rate"] == "bad" and judged["satisfaction_avg"] == "bad"
    assert set(in_progress.values()) == {""}

    current = html(page.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en"))  # May 2025: the clock's
    closed = html(page.get(DASHBOARD, {"month": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert "data-month-in-progress" in current
    assert "data-month-in-progress" not in closed


def test_the_refund_amount_card_equals_the_total_of_the_reasons_table(march, page):
    text = html(page.get(DASHBOARD, {"month": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en"))

    total = re.search(r"data-reasons-total>([^<]+)<", text)
    assert total is not None
    assert card(text, "refund_amount") == total.group(1) == "¥75.30"
    assert "orders placed in the month" in text
