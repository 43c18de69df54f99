"""A manager's journeys in Chromium: the KPI dashboard's cards, the charts
drawn as SVG, switching the month, the merchant and the language, with no
sideways scrolling. The main journey runs in Chinese and in English, on a
phone and on a desktop."""

from pathlib import Path
from typing import Any

import pytest

from accounts import roles
from analytics.months import Month
from analytics.services import kpi_rollup
from refundportal import clock
from tests.analytics.support import year_of_history
from tests.factories import PASSWORD, UserFactory

from .conftest import DESKTOP, PHONE, screenshot
from .support import LOCALES, VIEWPORTS, Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the main journey reads, in each language.
TEXT = {
    "zh": {"dashboard": "KPI 看板", "refund rate": "退款率"},
    "en": {"dashboard": "KPI dashboard", "refund rate": "Refund rate"},
}


# --- The main journey, in both languages on both viewports ---------------------------


def manager_journey(journey: Journey, tmp_path: Path) -> None:
    text, page = journey.text, journey.page
    now = clock.now()
    year_of_history(now)
    kpi_rollup(now)
    UserFactory(username="wangjingli", role=roles.MANAGER)

    journey.log_in("/dashboard/", "wangjingli", "**/dashboard/")
    assert journey.h1() == text["dashboard"]
    assert text["refund rate"] in page.locator('[data-kpi="refund_rate"]').inner_text()
    assert page.locator(".kpi-card").count() >= 6
    for name in ("refund-rate", "refund-amount", "resolution", "reasons"):
        chart = page.locator(f'figure[data-chart="{name}"] svg')
        assert chart.count() == 1, name
        box = chart.bounding_box()
        assert box and box["width"] > 250 and box["height"] > 120, name
    assert page.locator('figure[data-chart="refund-rate"] circle.dot').count() >= 10
    assert page.locator('figure[data-chart="refund-amount"] rect.rect').count() >= 10
    journey.visit("dashboard")


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("lang", LOCALES)
def test_manager_journey(open_page: Any, tmp_path: Path, lang: str, viewport: str) -> None:
    page = open_page(locale=LOCALES[lang], viewport=VIEWPORTS[viewport])
    manager_journey(Journey(page, "manager", lang, viewport, TEXT[lang]), tmp_path)


# --- The dashboard, month by month ------------------------------------------------------


@pytest.fixture
def history(settings: Any) -> Month:
    now = clock.now()
    year_of_history(now)
    kpi_rollup(now)
    # About 15 orders a merchant a month: rank them from 10.
    settings.KPI_LEAGUE_MIN_ORDERS = 10
    UserFactory(username="wangjingli", role=roles.MANAGER)
    return Month.of(now)


def log_in_to_the_dashboard(
    page: Any, username: str, *, button: str, user_label: str, password_label: str
) -> None:
    page.goto("/accounts/login/?next=/dashboard/")
    page.get_by_label(user_label).fill(username)
    page.get_by_label(password_label).fill(PASSWORD)
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/dashboard/")


def charts_are_drawn(page: Any) -> None:
    for name in ("refund-rate", "refund-amount", "resolution", "reasons"):
        chart = page.locator(f'figure[data-chart="{name}"] svg')
        assert chart.count() == 1, name
        box = chart.bounding_box()
        assert box and box["width"] > 250 and box["height"] > 120, name
    # Lines with real points and bars with real height, not an empty frame.
    assert page.locator('figure[data-chart="refund-rate"] path.line').count() >= 1
    assert page.locator('figure[data-chart="refund-rate"] circle.dot').count() >= 10
    assert page.locator('figure[data-chart="refund-amount"] rect.rect').count() >= 10
    assert page.locator('figure[data-chart="reasons"] rect.rect').count() >= 5
    assert page.locator("svg text", has_text="No data").count() == 0


def no_sideways_scroll(page: Any) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_manager_reads_the_dashboard_in_chinese_on_a_desktop(open_page, history):
    page = open_page(locale="zh-CN", viewport=DESKTOP)
    log_in_to_the_dashboard(
        page, "wangjingli", button="登录", user_label="用户名", password_label="密码"
    )

    assert page.locator("h1").inner_text() == "KPI 看板"
    assert page.get_by_role("link", name="KPI 看板").get_attribute("aria-current") == "page"
    assert "退款率" in page.locator('[data-kpi="refund_rate"]').inner_text()
    assert "目标：低于 5%" in page.locator('[data-kpi="refund_rate"]').inner_text()
    # The month in progress is marked, and judged against no target yet.
    assert "本月进行中" in page.locator("[data-month-in-progress]").inner_text()
    assert page.locator(".kpi-card.kpi-ok, .kpi-card.kpi-bad").count() == 0
    charts_are_drawn(page)
    assert page.locator('figure[data-chart="reasons"] svg text', has_text="配送超时").count() >= 1
    screenshot(page, "dashboard-zh-desktop")

    previous = history.previous()
    page.locator("#kpi-month").fill(str(previous))
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(f"**/dashboard/?month={previous}")
    assert f"{previous} 月度" in page.locator(".kpi-sub").inner_text()
    assert "已结账月份" in page.locator(".kpi-sub").inner_text()
    assert page.locator(".kpi-card.kpi-ok, .kpi-card.kpi-bad").count() >= 2
    charts_are_drawn(page)

    page.get_by_role("button", name="EN").click()
    page.wait_for_url(f"**/dashboard/?month={previous}")
    assert page.locator("h1").inner_text() == "KPI dashboard"
    assert "Refund rate" in page.locator('[data-kpi="refund_rate"]').inner_text()
    assert page.locator('figure[data-chart="reasons"] svg text', has_text="Late delivery").count()


def test_manager_reads_the_dashboard_in_english_on_a_phone(open_page, history):
    page = open_page(locale="zh-CN", viewport=PHONE)
    log_in_to_the_dashboard(
        page, "wangjingli", button="登录", user_label="用户名", password_label="密码"
    )
    page.get_by_role("button", name="EN").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "KPI dashboard"

    charts_are_drawn(page)
    no_sideways_scroll(page)
    merchant = page.locator('[data-testid="merchant-table"] tbody a').first
    merchant.click()
    page.wait_for_url("**merchant=*")
    assert page.get_by_test_id("merchant-focus").is_visible()
    no_sideways_scroll(page)
    page.get_by_test_id("previous-month").click()
    page.wait_for_load_state()
    assert f"Month {history.previous()}" in page.locator(".kpi-sub").inner_text()
    page.get_by_test_id("next-month").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("merchant-focus").is_visible()  # the month keeps the merchant
    no_sideways_scroll(page)
    screenshot(page, "dashboard-en-phone")
