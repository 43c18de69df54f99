"""The customer's journeys in Chromium: log in, open My orders, fill in the
request form (reason, item, photo) while the live preview tells the likely
outcome, send it and follow it on the request page; be told why a request
cannot be sent yet, appeal a rejection or a paid partial refund, find an
open request named instead of "nothing left", and see an order the platform
failed to deliver refunded without asking. The main journey runs in Chinese
and in English, on a phone and on a desktop."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from accounts import roles
from payouts.models import Payout
from refundportal import clock
from refunds import services
from tests.conftest import client_as
from tests.factories import PASSWORD, UserFactory, create_order_at

from .conftest import DESKTOP, PHONE, loaded_width
from .support import (
    LOCALES,
    VIEWPORTS,
    Journey,
    delivered,
    food_photo,
    log_in,
    long_standing_customer,
    no_sideways_scroll,
    settle,
    snap,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the main journey reads and clicks, in each language.
TEXT = {
    "zh": {
        "my orders": "我的订单",
        "request refund": "申请退款",
        "food quality": "食品质量问题",
        "add photos": "添加照片",
        "approved at once": "预计立即批准",
        "description": "问题描述",
        "send": "提交申请",
        "approved": ("已批准", "已退款"),
    },
    "en": {
        "my orders": "My orders",
        "request refund": "Request refund",
        "food quality": "Food quality problem",
        "add photos": "Add photos",
        "approved at once": "Likely approved at once",
        "description": "Tell us more",
        "send": "Send request",
        "approved": ("Approved", "Refunded"),
    },
}


def veteran(username: str) -> Any:
    """A customer of a month, so that no risk flag holds the refund back."""
    return UserFactory(
        username=username, role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=30)
    )


def lunch_order(customer: Any, *, late: timedelta = timedelta(0), ago: timedelta) -> Any:
    """Two dishes and rice, fees and a coupon: 32.00 + 18.00 + 2 x 2.00,
    delivery 5.00, packaging 2.00, coupon 8.00; paid 53.00."""
    delivered_at = clock.now() - ago
    return create_order_at(
        customer=customer,
        status="delivered",
        promised_at=delivered_at - late,
        delivered_at=delivered_at,
        merchant={"code": "M-LAOWANG", "name": "老王川菜馆"},
        items=[
            {"sku": "GBJD", "name": "宫保鸡丁", "unit_price": "32.00", "quantity": 1},
            {"sku": "SLTD", "name": "酸辣土豆丝", "unit_price": "18.00", "quantity": 1},
            {"sku": "MIFAN", "name": "米饭", "unit_price": "2.00", "quantity": 2},
        ],
        delivery_fee="5.00",
        packaging_fee="2.00",
        discounts=[{"kind": "coupon", "amount": "8.00"}],
        tenders=[{"method": "wechat", "amount": "53.00", "account": "wxpay:oX9f****2b"}],
    )


def breakfast_order(customer: Any) -> Any:
    """An older order, outside the refund window: no button."""
    delivered_at = clock.now() - timedelta(days=2)
    return create_order_at(
        customer=customer,
        status="delivered",
        promised_at=delivered_at,
        delivered_at=delivered_at,
        merchant={"code": "M-BAOZI", "name": "庆丰包子铺"},
        items=[
            {"sku": "BZ", "name": "猪肉大葱包", "unit_price": "3.50", "quantity": 4},
            {"sku": "DJ", "name": "豆浆", "unit_price": "4.00", "quantity": 1},
        ],
        delivery_fee="3.00",
        packaging_fee="1.00",
        discounts=[],
        tenders=[{"method": "alipay", "amount": "22.00", "account": "alipay:138****0001"}],
    )


def fill_log_in(
    page: Any, username: str, *, user_label: str, password_label: str, button: str
) -> None:
    """Log in on the form the page shows (having been sent there)."""
    page.get_by_label(user_label).fill(username)
    page.get_by_label(password_label).fill(PASSWORD)
    page.get_by_role("button", name=button).click()


# --- The main journey, in both languages on both viewports ---------------------------


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


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("lang", LOCALES)
def test_customer_journey(open_page: Any, tmp_path: Path, lang: str, viewport: str) -> None:
    page = open_page(locale=LOCALES[lang], viewport=VIEWPORTS[viewport])
    customer_journey(Journey(page, "customer", lang, viewport, TEXT[lang]), tmp_path)


# --- Filing, step by step -------------------------------------------------------------


def test_customer_files_a_food_quality_refund_in_chinese_on_a_phone(open_page, tmp_path):
    customer = veteran("xiaomei")
    order = lunch_order(customer, ago=timedelta(minutes=40))
    breakfast_order(customer)
    page = open_page(locale="zh-CN", viewport=PHONE)

    page.goto("/orders/")
    fill_log_in(page, "xiaomei", user_label="用户名", password_label="密码", button="登录")
    page.wait_for_url("**/orders/")
    assert page.locator("h1").inner_text() == "我的订单"
    card = page.locator(".order-card", has_text="老王川菜馆")
    assert "宫保鸡丁" in card.inner_text()
    assert "¥53.00" in card.inner_text()
    assert (
        page.locator(".order-card", has_text="庆丰包子铺").get_by_text("申请期限已过").is_visible()
    )
    no_sideways_scroll(page)
    snap(page, "customer-orders-zh-phone")

    card.get_by_role("link", name="申请退款").click()
    page.wait_for_url(f"**/orders/{order.number}/refund/")
    assert page.locator("h1").inner_text() == "申请退款"

    page.get_by_label("食品质量问题").check()
    preview = page.locator("[data-preview]")
    # No photo yet: the preview says one is needed before anything is sent.
    preview.get_by_text("请添加能说明问题的照片").wait_for()

    page.get_by_label("宫保鸡丁").check()
    page.get_by_label("添加照片").set_input_files(str(food_photo(tmp_path)))
    page.locator(".photo-tile input[name=evidence]").wait_for(state="attached")
    preview.get_by_text("预计立即批准").wait_for()
    # 32.00 less its share of the 8.00 coupon (32 / 61 of it, 4.20): 27.80.
    assert preview.locator("[data-preview-amount]").inner_text() == "¥27.80"
    row = preview.locator("tbody tr")
    assert row.count() == 1
    assert re.sub(r"\s+", " ", row.inner_text()).split(" ") == [
        "宫保鸡丁",
        "1",
        "¥32.00",
        "-¥4.20",
        "¥27.80",
        "¥27.80",
    ]
    page.get_by_label("问题描述").fill("鸡丁有一股异味，没法吃。")
    no_sideways_scroll(page)
    snap(page, "refund-form-zh-phone")

    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r".*/refunds/\d+/$"))
    # Approved at once; paid back at once too when tasks run in-process.
    assert page.locator(".status-card .status").inner_text() in ("已批准", "已退款")
    assert "已收到照片" in page.locator("[data-decision]").inner_text()
    assert "¥27.80" in page.locator(".amounts").inner_text()
    # The automatic decision is the first step (the oldest, at the bottom).
    timeline = page.locator(".timeline-step")
    assert "自动审核" in timeline.last.inner_text()
    assert "已批准" in timeline.last.inner_text()
    assert page.locator(".photo-grid img").count() == 1
    assert loaded_width(page.locator(".photo-grid img")) > 0
    no_sideways_scroll(page)
    snap(page, "refund-page-zh-phone")

    page.get_by_role("link", name=re.compile("通知")).click()
    page.wait_for_url("**/notifications/")
    assert page.locator(".notification.is-unread").count() >= 1
    assert page.locator(".notification", has_text="¥27.80 退款已批准").count() == 1
    snap(page, "notifications-zh-phone")


def test_customer_files_a_late_delivery_refund_in_english_on_a_desktop(open_page):
    customer = veteran("lucy")
    order = lunch_order(customer, late=timedelta(minutes=45), ago=timedelta(hours=2))
    page = open_page(locale="zh-CN", viewport=DESKTOP)

    page.goto("/accounts/login/")
    page.get_by_role("button", name="EN").click()
    fill_log_in(page, "lucy", user_label="User name", password_label="Password", button="Log in")
    page.wait_for_url("**/orders/")
    assert page.locator("h1").inner_text() == "My orders"
    snap(page, "customer-orders-en-desktop")

    page.get_by_role("link", name="Request refund").click()
    page.wait_for_url(f"**/orders/{order.number}/refund/")
    # A photo over 10 MB is refused in the browser, before any upload.
    page.get_by_label("Add photos").set_input_files(
        {"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (10 * 1024 * 1024 + 1)}
    )
    assert page.locator("[data-photo-status]").inner_text() == "huge.jpg is larger than 10 MB."
    assert page.locator(".photo-tile").count() == 0

    page.get_by_label("Late delivery").check()
    preview = page.locator("[data-preview]")
    preview.get_by_text("Likely approved at once").wait_for()
    # 45 minutes late: 50 % of the 53.00 paid.
    assert preview.locator("[data-preview-amount]").inner_text() == "¥26.50"
    assert "Delivered 45 min late: 50 % refunded" in preview.inner_text()
    # The whole order: three dishes and the two fees, adding up to what was paid.
    assert preview.locator("tbody tr").count() == 5
    assert preview.locator("[data-total]").inner_text() == "¥53.00"
    # What is asked, and what the rule refunds: half of it, never a table of 53.00 alone.
    assert preview.locator("[data-approved-total]").inner_text() == "¥26.50"
    snap(page, "refund-form-en-desktop")

    page.get_by_role("button", name="Send request").click()
    page.wait_for_url(re.compile(r".*/refunds/\d+/$"))
    assert page.locator(".status-card .status").inner_text() in ("Approved", "Refunded")
    assert "Delivered 45 min late" in page.locator("[data-decision]").inner_text()
    assert "¥26.50" in page.locator(".amounts").inner_text()
    assert "Automatic review" in page.locator(".timeline").inner_text()
    assert "WeChat Pay" in page.locator(".payouts").inner_text()
    snap(page, "refund-page-en-desktop")


def test_customer_is_told_why_a_request_cannot_be_sent_and_appeals_a_rejection(open_page):
    customer = veteran("xiaoli")
    late_lunch = create_order_at(
        customer=customer,
        status="picked_up",
        promised_at=clock.now() - timedelta(minutes=10),
        merchant={"code": "M-SHAXIAN", "name": "沙县小吃"},
    )
    rejected = services.refund_file(
        customer=customer,
        order_number=lunch_order(customer, ago=timedelta(minutes=30)).number,
        reason="changed_mind",
    ).request
    page = open_page(locale="zh-CN", viewport=PHONE)
    page.goto(f"/orders/{late_lunch.number}/refund/")
    fill_log_in(page, "xiaoli", user_label="用户名", password_label="密码", button="登录")
    page.wait_for_url(f"**/orders/{late_lunch.number}/refund/")

    page.get_by_label("订单未送达").check()
    preview = page.locator("[data-preview]")
    preview.get_by_text("暂时无法提交").wait_for()
    assert "从" in preview.inner_text() and "起可以申请" in preview.inner_text()
    page.get_by_label("问题描述").fill("骑手一直没动。")
    page.get_by_role("button", name="提交申请").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "起可以申请“订单未送达”退款" in alert.inner_text()
    # What the customer entered is still there.
    assert page.get_by_label("订单未送达").is_checked()
    assert page.get_by_label("问题描述").input_value() == "骑手一直没动。"
    no_sideways_scroll(page)
    snap(page, "refund-form-refused-zh-phone")

    page.goto(f"/refunds/{rejected.pk}/")
    assert page.locator(".status-card .status").inner_text() == "已拒绝"
    assert "个人原因取消不予退款" in page.locator("[data-decision]").inner_text()
    page.get_by_label("为什么需要重新审核？").fill("商家还没出餐，我十分钟内就取消了。")
    snap(page, "refund-page-rejected-zh-phone")
    page.get_by_role("button", name="提交申诉").click()
    page.locator(".message", has_text="申诉已提交").wait_for()
    assert page.locator(".status-card .status").inner_text() == "待审核"
    assert "前给出处理结果" in page.locator(".status-card").inner_text()
    assert page.get_by_role("button", name="取消申请").is_visible()
    assert "商家还没出餐" in page.locator(".timeline").inner_text()
    no_sideways_scroll(page)
    snap(page, "refund-page-appealed-zh-phone")


def test_the_form_works_without_javascript(browser, live_server, tmp_path):
    customer = veteran("laozhang")
    order = lunch_order(customer, ago=timedelta(minutes=20))
    context = browser.new_context(
        java_script_enabled=False,
        locale="zh-CN",
        viewport=PHONE,
        base_url=live_server.url,
        extra_http_headers={"Accept-Language": "zh-CN"},
    )
    try:
        page = context.new_page()
        page.goto(f"/orders/{order.number}/refund/")
        fill_log_in(page, "laozhang", user_label="用户名", password_label="密码", button="登录")
        page.wait_for_url(f"**/orders/{order.number}/refund/")
        # No preview without JavaScript; the plain file input is there instead.
        assert not page.locator("[data-preview]").is_visible()
        assert page.get_by_label("添加照片").is_visible()
        page.get_by_label("漏送/少送").check()
        page.get_by_label("米饭").check()
        page.get_by_label("数量").last.fill("1")
        page.get_by_label("添加照片").set_input_files(str(food_photo(tmp_path)))
        snap(page, "refund-form-nojs-zh-phone")
        page.get_by_role("button", name="提交申请").click()
        page.wait_for_url(re.compile(r".*/refunds/\d+/$"))
        assert page.locator(".status-card .status").inner_text() in ("已批准", "已退款")
        assert "¥1.74" in page.locator(".amounts").inner_text()  # one rice: 3.48 / 2
        assert page.locator(".photo-grid img").count() == 1
    finally:
        context.close()


# --- Money a customer can trust -------------------------------------------------------


def test_the_form_names_the_open_request_in_chinese_on_a_phone(open_page):
    xiaoli = long_standing_customer("xiaoli")
    order = delivered(xiaoli)
    waiting = services.refund_file(
        customer=xiaoli, order_number=order.number, reason="other"
    ).request
    page = open_page(locale="zh-CN", viewport=PHONE)
    log_in(page, "xiaoli")

    page.goto(f"/orders/{order.number}/refund/")

    notice = page.locator("section.notice")
    assert "已有申请正在审核" in notice.inner_text()
    assert "已无可退金额" not in page.locator("main").inner_text()
    no_sideways_scroll(page)
    snap(page, "trust-open-request-zh-phone")
    notice.get_by_role("link", name="查看申请").click()
    page.wait_for_url(f"**/refunds/{waiting.pk}/")


def test_a_paid_partial_refund_is_appealed_in_english_on_a_desktop(open_page):
    lucy = long_standing_customer("lucy")
    order = delivered(lucy)
    refund = services.refund_file(customer=lucy, order_number=order.number, reason="other").request
    decider = UserFactory(role=roles.SENIOR_AGENT)
    services.refund_decide(
        refund=refund, agent=decider, decision="approve", amount=Decimal("10.00"), note="#1"
    )
    for payout in Payout.objects.filter(refund=refund):
        settle(payout.pk)
    page = open_page(locale="en-US", viewport=DESKTOP)
    log_in(page, "lucy", english=True)

    page.goto(f"/refunds/{refund.pk}/")

    assert page.locator("[data-total]").inner_text() == "¥24.00"
    assert page.locator("[data-approved-total]").inner_text() == "¥10.00"
    assert (
        "The ¥10.00 already refunded stays yours"
        in page.locator("[data-appeal-keeps]").inner_text()
    )
    snap(page, "trust-partial-refund-en-desktop")
    page.get_by_label("Why should we look again?").fill("Both dishes were spoiled.")
    page.get_by_role("button", name="Send appeal").click()
    page.wait_for_url(f"**/refunds/{refund.pk}/")
    headline = page.locator("[data-decision]").inner_text()
    assert "Your appeal is with a senior agent" in headline
    assert page.locator(".status-card .status").inner_text() == "Pending review"
    snap(page, "trust-partial-appealed-en-desktop")


def test_a_cancelled_order_refunds_itself_in_english_on_a_phone(open_page):
    amy = long_standing_customer("amy")
    now = clock.now()
    order = create_order_at(
        customer=amy,
        status="accepted",
        promised_at=now + timedelta(minutes=20),
        merchant={"code": "M010", "name": "老王川菜馆"},
    )
    integration = client_as(UserFactory(role=roles.INTEGRATION))
    response = integration.post(
        f"/api/v1/orders/{order.number}/events/",
        {"status": "cancelled", "at": (now - timedelta(minutes=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 201
    page = open_page(locale="en-US", viewport=PHONE)
    log_in(page, "amy", english=True)

    page.goto("/orders/")
    card = page.locator("article", has_text=order.number)
    assert card.get_by_role("link", name="Request refund").count() == 0
    card.get_by_role("link", name=re.compile("Order not delivered")).click()
    page.wait_for_url(re.compile(r".*/refunds/\d+/$"))
    assert "cancelled or could not be delivered" in page.locator("[data-decision]").inner_text()
    no_sideways_scroll(page)
    snap(page, "trust-cancelled-order-en-phone")
