"""Who pays, in Chromium: a merchant disputes a charge on its statement from
a phone, a senior agent moves it to the courier at a desk, and the merchant
reads the senior agent's note on the statement. In Chinese and in English;
the pages' own words are checked by structure, not by wording."""

import re
from datetime import timedelta
from typing import Any

import pytest

from accounts import roles
from orders.services import order_event_add
from refunds import services
from refunds.models import Dispute, Liability, RefundRequest
from refunds.states import RefundStatus
from tests.factories import UserFactory, create_order

from .conftest import BROWSER_NOW, DESKTOP, PHONE
from .support import LOCALES, Journey, long_standing_customer, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DISPUTE_NOTE = {"zh": "顾客说骑手把汤洒了，不是出餐问题。", "en": "The rider spilled the soup."}
RESOLUTION_NOTE = {"zh": "骑手已承认，改由骑手承担。", "en": "The rider admitted it; moved."}


def merchant_charge(merchant_username: str) -> RefundRequest:
    """A change of mind while the food was being made, which the merchant
    approved: a charge on its statement this month."""
    customer = long_standing_customer("xiaomei")
    shop = UserFactory(username=merchant_username, role=roles.MERCHANT)
    order = create_order(customer=customer)
    order.merchant.members.add(shop)
    order_event_add(order=order, status="accepted", at=order.placed_at + timedelta(minutes=5))
    refund = services.refund_file(
        customer=customer, order_number=order.number, reason="changed_mind", description="不要了"
    ).request
    assert refund.status == RefundStatus.AWAITING_MERCHANT
    services.refund_merchant_respond(refund=refund, merchant_user=shop, decision="approve")
    refund.refresh_from_db()
    assert refund.liability == Liability.MERCHANT
    return refund


@pytest.mark.parametrize("lang", LOCALES)
def test_a_merchant_disputes_a_charge_and_reads_the_senior_agents_note(
    open_page: Any, lang: str
) -> None:
    refund = merchant_charge("laowang_shop")
    UserFactory(username="zhuguan_li", role=roles.SENIOR_AGENT)
    month = BROWSER_NOW.strftime("%Y-%m")  # the browser clock's, in Shanghai

    phone = open_page(locale=LOCALES[lang], viewport=PHONE)
    merchant = Journey(phone, "dispute-merchant", lang, "phone", {})
    merchant.log_in("/merchant/statement/", "laowang_shop", "**/merchant/statement/")
    row = phone.locator(f"[data-request='{refund.pk}']")
    assert row.get_attribute("data-dispute-state") == "none"
    assert "¥24.00" in phone.locator("[data-testid=statement-total] [data-total]").inner_text()
    csv_link = phone.locator("[data-testid=statement-csv]").get_attribute("href")
    assert csv_link == f"/api/v1/merchant/statement/export/?month={month}"
    no_sideways_scroll(phone)
    merchant.visit("statement")

    row.locator("[data-testid=dispute-button]").click()
    row.locator("textarea").fill(DISPUTE_NOTE[lang])
    merchant.visit("dispute-form")
    row.locator("button[type=submit]").click()
    phone.wait_for_url(re.compile(r".*/merchant/statement/\?month=.*"))
    row = phone.locator(f"[data-request='{refund.pk}']")
    assert row.get_attribute("data-dispute-state") == "open"
    assert DISPUTE_NOTE[lang] in row.locator("[data-testid=dispute-state]").inner_text()
    assert row.locator("[data-testid=dispute-button]").count() == 0
    assert phone.locator(".message-success").count() == 1
    no_sideways_scroll(phone)
    merchant.visit("disputed")

    desk = open_page(locale=LOCALES[lang], viewport=DESKTOP)
    senior = Journey(desk, "dispute-senior", lang, "desktop", {})
    senior.log_in("/review/", "zhuguan_li", "**/review/")
    desk.locator("[data-testid=disputes-link]").click()
    desk.wait_for_url("**/review/disputes/")
    card = desk.locator(f".dispute-card[data-request='{refund.pk}']")
    assert DISPUTE_NOTE[lang] in card.locator("[data-testid=merchant-note]").inner_text()
    assert card.locator(f"a[href='/review/{refund.pk}/']").count() == 1
    card.locator("input[data-decision=move]").check()
    card.locator("select[name=liability]").select_option(Liability.COURIER.value)
    card.locator("textarea[name=note]").fill(RESOLUTION_NOTE[lang])
    senior.visit("disputes")
    card.locator("button[type=submit]").click()
    desk.wait_for_url("**/review/disputes/")
    assert desk.locator("[data-testid=no-disputes]").count() == 1
    assert desk.locator(".message-success").count() == 1
    senior.visit("resolved")
    refund.refresh_from_db()
    assert refund.liability == Liability.COURIER
    assert Dispute.objects.get(request=refund).resolution == "moved"
    assert refund.status in (RefundStatus.APPROVED, RefundStatus.REFUNDED)

    phone.reload()
    assert phone.locator(f"[data-testid=statement-rows] [data-request='{refund.pk}']").count() == 0
    moved = phone.locator(f"[data-testid=statement-moved] [data-request='{refund.pk}']")
    assert moved.get_attribute("data-dispute-state") == "moved"
    assert RESOLUTION_NOTE[lang] in moved.locator("[data-testid=resolution-note]").inner_text()
    assert "¥0.00" in phone.locator("[data-testid=statement-total] [data-total]").inner_text()
    no_sideways_scroll(phone)
    merchant.visit("moved")
