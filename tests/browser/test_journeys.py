"""The four users' main journeys, each in Chinese and in English, on a phone
and on a desktop: a customer files a refund and follows it, an agent claims
and approves a request, finance retries a declined payout, a manager reads
the dashboard. Every page visited is photographed and checked for the
accessibility basics (``a11y.py``)."""

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from accounts import roles
from analytics.services import kpi_rollup
from payouts.models import Payout
from payouts.states import PayoutStatus
from refundportal import clock
from refunds import services
from refunds.services import payout_attempt
from refunds.states import RefundStatus
from tests.analytics.support import year_of_history
from tests.factories import PASSWORD, UserFactory, create_order, create_order_at

from .a11y import assert_accessible
from .conftest import DESKTOP, PHONE, SCREENSHOTS, loaded_width, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What each journey reads and clicks, in each language.
TEXT = {
    "zh": {
        "user name": "用户名",
        "password": "密码",
        "log in": "登录",
        "my orders": "我的订单",
        "request refund": "申请退款",
        "food quality": "食品质量问题",
        "add photos": "添加照片",
        "approved at once": "预计立即批准",
        "description": "问题描述",
        "send": "提交申请",
        "approved": ("已批准", "已退款"),
        "review queue": "审核队列",
        "request title": "退款申请 #{id}",
        "claim": "领取",
        "claimed": "您已领取此申请",
        "approve in full": r"^全额同意",
        "was approved": "申请 #{id} 已同意：¥24.00。",
        "payouts": "退款打款",
        "retry": "重试…",
        "retry title": "重试打款 #{id}？",
        "yes retry": "确认重试",
        "declined again": "再次被拒绝",
        "declined": "已拒绝",
        "dashboard": "KPI 看板",
        "refund rate": "退款率",
    },
    "en": {
        "user name": "User name",
        "password": "Password",
        "log in": "Log in",
        "my orders": "My orders",
        "request refund": "Request refund",
        "food quality": "Food quality problem",
        "add photos": "Add photos",
        "approved at once": "Likely approved at once",
        "description": "Tell us more",
        "send": "Send request",
        "approved": ("Approved", "Refunded"),
        "review queue": "Review queue",
        "request title": "Refund request #{id}",
        "claim": "Claim",
        "claimed": "You hold this request until",
        "approve in full": r"^Approve in full",
        "was approved": "Request #{id} was approved: ¥24.00.",
        "payouts": "Payouts",
        "retry": "Retry…",
        "retry title": "Retry payout #{id}?",
        "yes retry": "Yes, retry",
        "declined again": "was declined again",
        "declined": "Declined",
        "dashboard": "KPI dashboard",
        "refund rate": "Refund rate",
    },
}
LOCALES = {"zh": "zh-CN", "en": "en"}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


class Journey:
    """One run: the page, its language and viewport, and the pictures it takes."""

    def __init__(self, page: Any, user: str, lang: str, viewport: str) -> None:
        self.page, self.user, self.lang, self.viewport = page, user, lang, viewport
        self.text = TEXT[lang]

    def visit(self, name: str, *, full_page: bool = True) -> None:
        """Photograph the page as it is now and check the basics on it."""
        self.page.evaluate("window.scrollTo(0, 0)")
        shot = f"journey-{self.user}-{self.lang}-{self.viewport}-{name}"
        if full_page:
            screenshot(self.page, shot)
        else:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"))
        assert_accessible(self.page, lang=self.lang, phone=self.viewport == "phone")

    def log_in(self, path: str, username: str, lands_on: str) -> None:
        self.page.goto(path)
        assert "/accounts/login/" in self.page.url
        self.visit("login")
        self.page.get_by_label(self.text["user name"]).fill(username)
        self.page.get_by_label(self.text["password"]).fill(PASSWORD)
        self.page.get_by_role("button", name=self.text["log in"]).click()
        self.page.wait_for_url(lands_on)

    def h1(self) -> str:
        return str(self.page.locator("h1").inner_text())


def food_photo(tmp_path: Path) -> Path:
    """A plate of something brown on a white dish, as a JPEG."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), (196, 160, 118))
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 40, 390, 320), fill=(245, 245, 240))
    draw.ellipse((130, 80, 350, 280), fill=(120, 72, 30))
    path = tmp_path / "dish.jpg"
    image.save(path, "JPEG", quality=85)
    return path


def customer_journey(journey: Journey, tmp_path: Path) -> None:
    text, page = journey.text, journey.page
    customer = UserFactory(
        username="xiaomei", role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=30)
    )
    delivered_at = clock.now() - timedelta(minutes=30)
    # One dish, under the 30.00 cap of photo-backed refunds decided at once.
    order = create_order_at(
        customer=customer,
        status="delivered",
        promised_at=delivered_at,
        delivered_at=delivered_at,
        merchant={"code": "M-LAOWANG", "name": "老王川菜馆"},
        items=[{"sku": "GBJD", "name": "宫保鸡丁", "unit_price": "28.00", "quantity": 1}],
        delivery_fee="0.00",
        packaging_fee="0.00",
        discounts=[],
        tenders=[{"method": "wechat", "amount": "28.00", "account": "wxpay:oX9f****2b"}],
    )

    journey.log_in("/orders/", "xiaomei", "**/orders/")
    assert journey.h1() == text["my orders"]
    card = page.locator(".order-card", has_text="老王川菜馆")
    assert "¥28.00" in card.inner_text()
    journey.visit("orders")

    card.get_by_role("link", name=text["request refund"]).click()
    page.wait_for_url(f"**/orders/{order.number}/refund/")
    page.get_by_label(text["food quality"]).check()
    page.get_by_label("宫保鸡丁").check()
    page.get_by_label(text["add photos"]).set_input_files(str(food_photo(tmp_path)))
    page.locator(".photo-tile input[name=evidence]").wait_for(state="attached")
    preview = page.locator("[data-preview]")
    preview.get_by_text(text["approved at once"]).wait_for()
    assert preview.locator("[data-preview-amount]").inner_text() == "¥28.00"
    page.get_by_label(text["description"]).fill("鸡丁有一股异味。")
    journey.visit("refund-form")

    page.get_by_role("button", name=text["send"]).click()
    page.wait_for_url(re.compile(r".*/refunds/\d+/$"))
    assert page.locator(".status-card .status").inner_text() in text["approved"]
    assert "¥28.00" in page.locator(".amounts").inner_text()
    photo = page.locator(".photo-grid img")
    assert photo.count() == 1
    assert loaded_width(photo) > 0  # loaded lazily, below the fold on a phone
    journey.visit("request")


def agent_journey(journey: Journey, tmp_path: Path) -> None:
    text, page = journey.text, journey.page
    UserFactory(username="kefu_li", role=roles.AGENT)
    customer = UserFactory(role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=60))
    order = create_order_at(
        customer=customer,
        status="delivered",
        promised_at=clock.now() - timedelta(minutes=90),
        delivered_at=clock.now() - timedelta(hours=1),
        merchant={"code": "M002", "name": "沙县小吃（科技园店）"},
    )
    refund = services.refund_file(
        customer=customer, order_number=order.number, reason="other", description="一直没吃上。"
    )
    assert refund.status == RefundStatus.PENDING_REVIEW

    journey.log_in("/review/", "kefu_li", "**/review/")
    assert journey.h1() == text["review queue"]
    assert page.locator("tr[data-request-id]").count() == 1
    journey.visit("queue")

    page.get_by_role("link", name=f"#{refund.pk}", exact=True).click()
    page.wait_for_url(f"**/review/{refund.pk}/")
    assert journey.h1() == text["request title"].format(id=refund.pk)
    assert page.get_by_text("一直没吃上。").is_visible()
    journey.visit("request")

    page.get_by_role("button", name=text["claim"], exact=True).click()
    page.wait_for_url(f"**/review/{refund.pk}/")
    assert page.get_by_text(text["claimed"]).is_visible()
    journey.visit("claimed")

    page.get_by_role("button", name=re.compile(text["approve in full"])).click()
    page.wait_for_url("**/review/")
    assert page.get_by_text(text["was approved"].format(id=refund.pk)).is_visible()
    assert page.locator("tr[data-request-id]").count() == 0
    journey.visit("queue-after")
    refund.refresh_from_db()
    assert refund.status in (RefundStatus.APPROVED, RefundStatus.REFUNDED)


def settle(payout_id: int) -> Payout:
    """Run the payout's due attempt here unless the in-process task already has."""
    deadline = time.monotonic() + 30
    while True:
        payout_attempt(payout_id=payout_id)
        payout = Payout.objects.get(pk=payout_id)
        if payout.status in (PayoutStatus.SUCCEEDED, PayoutStatus.FAILED):
            return payout
        assert time.monotonic() < deadline, f"payout {payout_id} is still {payout.status}"
        time.sleep(0.2)


def finance_journey(journey: Journey, tmp_path: Path) -> None:
    text, page = journey.text, journey.page
    UserFactory(username="caiwu_chen", role=roles.FINANCE)
    customer = UserFactory(role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=90))
    # Not yet accepted by the merchant: approved at once; the card is declined.
    order = create_order(
        customer=customer,
        tenders=[{"method": "card", "amount": "24.00", "account": "card:6222****decline"}],
    )
    refund = services.refund_file(customer=customer, order_number=order.number, reason="other")
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


JOURNEYS = {
    "customer": customer_journey,
    "agent": agent_journey,
    "finance": finance_journey,
    "manager": manager_journey,
}


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("lang", LOCALES)
@pytest.mark.parametrize("user", JOURNEYS)
def test_journey(open_page: Any, tmp_path: Path, user: str, lang: str, viewport: str) -> None:
    page = open_page(locale=LOCALES[lang], viewport=VIEWPORTS[viewport])
    JOURNEYS[user](Journey(page, user, lang, viewport), tmp_path)


def test_the_accessibility_checks_catch_what_they_look_for(browser: Any) -> None:
    from .a11y import problems

    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_content(
            """<html lang="en"><body style="margin:0">
            <h1>Title</h1><h3>Skips h2</h3><h2>Back</h2><h1>Second h1</h1>
            <label for="named">Named</label><input id="named">
            <label>Wrapped <select name="wrapped"></select></label>
            <input aria-label="By aria-label"><span id="lbl">By id</span>
            <textarea aria-labelledby="lbl"></textarea>
            <input type="hidden" name="csrf"><input type="submit" value="Send">
            <input name="bare"><textarea aria-labelledby="missing"></textarea>
            <label for="elsewhere">Wrong target</label><select id="nolabel"></select>
            <img src="data:," alt=""><img src="data:,">
            <div style="width:600px">wide</div></body></html>"""
        )
        found = problems(page, lang="zh", phone=True)
    finally:
        context.close()
    assert found == [
        "form control without a label: input[name=bare]",
        "form control without a label: textarea",
        "form control without a label: select#nolabel",
        "expected exactly one h1, found 2",
        'heading h3 "Skips h2" skips a level after h1',
        "img without alt: data:,",
        'html lang is "en", expected zh',
        "scrolls sideways on a phone: 600px in 390px",
    ]
