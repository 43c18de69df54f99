"""What a customer and an agent read about money they can trust, in
Chromium: an open request named instead of "nothing left", a partial refund
appealed with what was paid kept, lateness compensated once, an order the
platform failed to deliver refunded without asking. Chinese on a phone,
English on a desktop."""

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from accounts import roles
from payouts.models import Payout
from refundportal import clock
from refunds import services
from tests.conftest import client_as
from tests.factories import UserFactory, create_order_at

from .conftest import DESKTOP, PHONE
from .conftest import screenshot as full_page_screenshot
from .test_staff_journeys import log_in, settle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def snap(page: Any, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    full_page_screenshot(page, name)


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


def customer(username: str) -> Any:
    return UserFactory(
        username=username, role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=90)
    )


def delivered(owner: Any, *, late: timedelta = timedelta(0)) -> Any:
    now = clock.now()
    return create_order_at(
        customer=owner,
        status="delivered",
        promised_at=now - timedelta(minutes=60) - late,
        delivered_at=now - timedelta(minutes=60),
        merchant={"code": "M010", "name": "老王川菜馆"},
    )


def test_the_form_names_the_open_request_in_chinese_on_a_phone(open_page):
    xiaoli = customer("xiaoli")
    order = delivered(xiaoli)
    waiting = services.refund_file(customer=xiaoli, order_number=order.number, reason="other")
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
    lucy = customer("lucy")
    order = delivered(lucy)
    refund = services.refund_file(customer=lucy, order_number=order.number, reason="other")
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


def test_an_agent_sees_lateness_already_compensated_in_chinese_on_a_desktop(open_page):
    zhang = customer("zhangsan")
    order = delivered(zhang, late=timedelta(minutes=45))
    late = services.refund_file(customer=zhang, order_number=order.number, reason="late_delivery")
    later = services.refund_file(customer=zhang, order_number=order.number, reason="other")
    UserFactory(username="kefu_li", role=roles.AGENT)
    page = open_page(locale="zh-CN", viewport=DESKTOP)
    log_in(page, "kefu_li")

    page.goto(f"/review/{later.pk}/")

    panel = page.locator("[data-risk]")
    assert "已补偿过" in panel.inner_text()
    assert f"#{late.pk}" in panel.inner_text()
    snap(page, "trust-already-compensated-zh-desktop")


def test_a_cancelled_order_refunds_itself_in_english_on_a_phone(open_page):
    amy = customer("amy")
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
