"""Finance's journeys in Chromium: a declined payout waits under "Needs
action"; finance retries it, sees it declined again, reroutes it to the
customer's platform balance and reads the sandbox ledger. The main journey
runs in Chinese and in English, on a phone and on a desktop."""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from accounts import roles
from payouts.models import Payout
from payouts.states import PayoutStatus
from refundportal import clock
from refunds import services
from tests.factories import UserFactory, create_order

from .conftest import DESKTOP, PHONE, SCREENSHOTS
from .support import LOCALES, VIEWPORTS, Journey, log_in, settle, snap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the main journey reads and clicks, in each language.
TEXT = {
    "zh": {
        "payouts": "退款打款",
        "retry": "重试…",
        "retry title": "重试打款 #{id}？",
        "yes retry": "确认重试",
        "declined again": "再次被拒绝",
        "declined": "已拒绝",
    },
    "en": {
        "payouts": "Payouts",
        "retry": "Retry…",
        "retry title": "Retry payout #{id}?",
        "yes retry": "Yes, retry",
        "declined again": "was declined again",
        "declined": "Declined",
    },
}


# --- The main journey, in both languages on both viewports ---------------------------


def finance_journey(journey: Journey, tmp_path: Path) -> None:
    text, page = journey.text, journey.page
    UserFactory(username="caiwu_chen", role=roles.FINANCE)
    customer = UserFactory(role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=90))
    # Not yet accepted by the merchant: approved at once; the card is declined.
    order = create_order(
        customer=customer,
        tenders=[{"method": "card", "amount": "24.00", "account": "card:6222****decline"}],
    )
    refund = services.refund_file(
        customer=customer, order_number=order.number, reason="other"
    ).request
    payout = settle(Payout.objects.get(refund=refund).pk)
    assert (payout.status, payout.attempts) == (PayoutStatus.FAILED, 1)

    journey.log_in("/finance/payouts/", "caiwu_chen", "**/finance/payouts/")
    assert journey.h1() == text["payouts"]
    journey.visit("payouts")

    # The failed payout waits first, under "needs action".
    page.locator(f'[data-needs-action] a[href="/finance/payouts/{payout.pk}/"]').click()
    page.wait_for_url(f"**/finance/payouts/{payout.pk}/")
    assert page.locator("[data-attempt]").count() == 1
    journey.visit("payout")

    page.get_by_role("link", name=text["retry"]).click()
    dialog = page.get_by_role("dialog")
    assert text["retry title"].format(id=payout.pk) in dialog.inner_text()
    # The dialog sits in the viewport: a full-page picture would lose it.
    journey.visit("retry-confirm", full_page=False)
    dialog.get_by_role("button", name=text["yes retry"]).click()
    page.wait_for_url(f"**/finance/payouts/{payout.pk}/")
    # The attempt answered at the commit: the banner says it was declined again.
    assert text["declined again"] in page.locator(".message-warning").inner_text()

    settle(payout.pk)
    page.reload()
    assert page.locator("[data-attempt]").count() == 2
    second = page.locator('[data-attempt="2"]')
    assert second.get_attribute("data-outcome") == "declined"
    assert text["declined"] in second.inner_text()
    journey.visit("payout-retried")


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("lang", LOCALES)
def test_finance_journey(open_page: Any, tmp_path: Path, lang: str, viewport: str) -> None:
    page = open_page(locale=LOCALES[lang], viewport=VIEWPORTS[viewport])
    finance_journey(Journey(page, "finance", lang, viewport, TEXT[lang]), tmp_path)


# --- Retry, then reroute ----------------------------------------------------------------


def declined_payout() -> Payout:
    """An order the merchant has not accepted, paid by a card the gateway
    declines: the request is approved at once and its payout fails."""
    customer = UserFactory(
        username="zhangsan", role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=90)
    )
    order = create_order(
        customer=customer,
        tenders=[{"method": "card", "amount": "24.00", "account": "card:6222****decline"}],
    )
    refund = services.refund_file(
        customer=customer, order_number=order.number, reason="other"
    ).request
    payout = settle(Payout.objects.get(refund=refund).pk)
    assert (payout.status, payout.attempts) == (PayoutStatus.FAILED, 1)
    return payout


def test_finance_retries_a_declined_payout_then_reroutes_it(open_page):
    UserFactory(username="caiwu_chen", role=roles.FINANCE)
    payout = declined_payout()
    page = open_page(locale="en-US", viewport=PHONE)

    log_in(page, "caiwu_chen", english=True)
    page.wait_for_url("**/finance/payouts/")
    assert page.locator("h1").inner_text() == "Payouts"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    snap(page, "finance-payouts-en-phone")

    # The declined payout waits first, under "Needs action".
    needs_action = page.get_by_role("region", name="Needs action")
    assert "Declined: reroute it to the platform balance." in needs_action.inner_text()
    needs_action.get_by_role("link", name=f"#{payout.pk}", exact=True).click()
    page.wait_for_url(f"**/finance/payouts/{payout.pk}/")
    assert page.locator("[data-attempt]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    snap(page, "finance-payout-en-phone")

    page.get_by_role("link", name="Retry…").click()
    dialog = page.get_by_role("dialog")
    assert dialog.is_visible()
    assert f"Retry payout #{payout.pk}?" in dialog.inner_text()
    # The dialog sits in the viewport: a full-page picture would lose it.
    page.screenshot(path=str(SCREENSHOTS / "finance-retry-confirm-en-phone.png"))
    dialog.get_by_role("button", name="Yes, retry").click()
    page.wait_for_url(f"**/finance/payouts/{payout.pk}/")
    # The attempt answered at the commit: the banner says what the page shows.
    banner = page.locator(".message-warning")
    assert "was declined again" in banner.inner_text()
    assert page.get_by_text("is pending again").count() == 0

    settle(payout.pk)
    page.reload()
    attempts = page.locator("[data-attempt]")
    assert attempts.count() == 2
    second = page.locator('[data-attempt="2"]')
    assert second.get_attribute("data-outcome") == "declined"
    assert "Declined" in second.inner_text()
    assert re.search(r"Failed", page.locator(".review-head-tags").inner_text())
    snap(page, "finance-payout-retried-en-phone")

    page.get_by_label("Note (why the payout goes to the platform balance)").fill(
        "Card declined twice; refunded to the platform balance."
    )
    page.get_by_role("button", name="Reroute to the platform balance").click()
    new = Payout.objects.get(rerouted_from=payout)
    page.wait_for_url(f"**/finance/payouts/{new.pk}/")
    assert page.get_by_text("goes to the customer's platform balance").is_visible()
    settle(new.pk)
    page.reload()
    assert "Platform balance" in page.locator(".finance-facts").inner_text()
    assert "Succeeded" in page.locator(".review-head-tags").inner_text()
    snap(page, "finance-rerouted-en-phone")

    page.get_by_role("link", name="Sandbox ledger").click()
    page.wait_for_url("**/finance/ledger/")
    assert page.locator("tr[data-ledger-key]").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    snap(page, "finance-ledger-en-phone")


def test_finance_pages_on_a_desktop(open_page):
    UserFactory(username="caiwu_he", role=roles.FINANCE)
    payout = declined_payout()
    page = open_page(locale="zh-CN", viewport=DESKTOP)
    log_in(page, "caiwu_he")
    page.wait_for_url("**/finance/payouts/")
    assert page.locator("h1").inner_text() == "退款打款"
    snap(page, "finance-payouts-zh-desktop")
    page.goto(f"/finance/payouts/{payout.pk}/")
    snap(page, "finance-payout-zh-desktop")
