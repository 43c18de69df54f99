"""The review agents' journeys in Chromium: an agent works the review queue
(the SLA badges ticking), opens a request held by a risk flag, claims it and
approves it in full or in part; adds an internal note on a phone; sees
lateness already compensated by another request. A senior agent reads an
escalated request on a phone. The main journey runs in Chinese and in
English, on a phone and on a desktop."""

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from accounts import roles
from refundportal import clock
from refunds import services
from refunds.evidence import process_photo
from refunds.models import RefundRequest
from refunds.states import RefundStatus
from tests.factories import UserFactory, create_order_at, photo_upload

from .a11y import assert_accessible
from .conftest import BROWSER_NOW, DESKTOP, PHONE, loaded_width
from .support import (
    LOCALES,
    VIEWPORTS,
    Journey,
    delivered,
    log_in,
    long_standing_customer,
    snap,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the main journey reads and clicks, in each language.
TEXT = {
    "zh": {
        "review queue": "审核队列",
        "request title": "退款申请 #{id}",
        "claim": "领取",
        "claimed": "您已领取此申请",
        "approve in full": r"^全额同意",
        "was approved": "申请 #{id} 已同意：¥24.00。",
    },
    "en": {
        "review queue": "Review queue",
        "request title": "Refund request #{id}",
        "claim": "Claim",
        "claimed": "You hold this request until",
        "approve in full": r"^Approve in full",
        "was approved": "Request #{id} was approved: ¥24.00.",
    },
}


# --- The main journey, in both languages on both viewports ---------------------------


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
    ).request
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


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("lang", LOCALES)
def test_agent_journey(open_page: Any, tmp_path: Path, lang: str, viewport: str) -> None:
    page = open_page(locale=LOCALES[lang], viewport=VIEWPORTS[viewport])
    agent_journey(Journey(page, "agent", lang, viewport, TEXT[lang]), tmp_path)


# --- The queue and a request held by a risk flag ----------------------------------------


def review_scene():
    """A request held for review by a risk flag (a new account's photo of
    spilled soup), among others at every stage of their review time."""
    now = clock.now()
    newcomer = UserFactory(
        username="xiaomei", role=roles.CUSTOMER, date_joined=now - timedelta(days=2)
    )
    order = create_order_at(
        customer=newcomer,
        status="delivered",
        promised_at=now - timedelta(minutes=70),
        delivered_at=now - timedelta(minutes=50),
        merchant={"code": "M002", "name": "沙县小吃（科技园店）"},
    )
    upload = photo_upload(7)
    photo = services.evidence_store(owner=newcomer, photo=process_photo(upload, upload.size))
    refund = services.refund_file(
        customer=newcomer,
        order_number=order.number,
        reason="damaged",
        description="汤洒了一半，袋子里全是汤。",
        evidence_ids=[photo.pk],
    ).request
    assert refund.status == RefundStatus.PENDING_REVIEW
    others = []
    for used, reason in ((0.5, "other"), (0.85, "not_delivered"), (1.1, "other")):
        customer = UserFactory(role=roles.CUSTOMER, date_joined=now - timedelta(days=60))
        other_order = create_order_at(
            customer=customer,
            status="delivered",
            promised_at=now - timedelta(minutes=90),
            delivered_at=now - timedelta(hours=1),
        )
        other = services.refund_file(
            customer=customer, order_number=other_order.number, reason=reason
        ).request
        created = now - timedelta(hours=24) * used
        RefundRequest.objects.filter(pk=other.pk).update(
            created_at=created, review_due_at=created + timedelta(hours=24)
        )
        others.append(other)
    return refund, others


def test_an_agent_claims_a_request_and_approves_part_of_it(open_page):
    UserFactory(username="kefu_li", role=roles.AGENT)
    refund, others = review_scene()
    page = open_page(locale="zh-CN", viewport=DESKTOP)

    log_in(page, "kefu_li")
    page.wait_for_url("**/review/")
    assert page.locator("h1").inner_text() == "审核队列"
    # The live server answers on the test's frozen clock, not the day the suite runs.
    served_at = page.locator("[data-sla-clock]").get_attribute("data-now")
    assert datetime.fromisoformat(served_at) == BROWSER_NOW
    rows = page.locator("tr[data-request-id]")
    assert rows.count() == 4
    breached = page.locator(f'tr[data-request-id="{others[2].pk}"] [data-sla]')
    assert "sla-breached" in (breached.get_attribute("class") or "")
    assert "已超时" in breached.inner_text()
    warn = page.locator(f'tr[data-request-id="{others[1].pk}"] [data-sla]')
    assert "sla-warn" in (warn.get_attribute("class") or "")
    countdown = page.locator(f'tr[data-request-id="{refund.pk}"] [data-sla-countdown]')
    first = countdown.inner_text()
    page.wait_for_timeout(1100)
    assert countdown.inner_text() != first  # the countdown ticks
    assert first.startswith("剩余")
    snap(page, "review-queue-zh-desktop")

    page.get_by_role("link", name=f"#{refund.pk}", exact=True).click()
    page.wait_for_url(f"**/review/{refund.pk}/")
    assert page.locator("h1").inner_text() == f"退款申请 #{refund.pk}"
    assert page.get_by_text("账户注册仅 2 天").is_visible()
    photo = page.locator(".evidence img").first
    assert photo.get_attribute("alt") == f"申请 #{refund.pk} 的第 1 张图片"
    assert loaded_width(photo) > 0
    assert page.get_by_text("汤洒了一半，袋子里全是汤。").is_visible()
    snap(page, "review-request-zh-desktop")

    page.get_by_role("button", name="领取").click()
    page.wait_for_url(f"**/review/{refund.pk}/")
    assert page.get_by_text("您已领取此申请，保留至").is_visible()

    page.get_by_label("常用说明").select_option("partial_items")
    assert page.get_by_label("给顾客的说明").input_value() == "部分餐品问题，按比例退款"
    page.get_by_label("同意金额（部分同意时填写）").fill("12.00")
    snap(page, "review-decide-zh-desktop")
    page.get_by_role("button", name="部分同意").click()

    page.wait_for_url("**/review/")
    assert page.get_by_text(f"申请 #{refund.pk} 已同意：¥12.00。").is_visible()
    assert page.locator(f'tr[data-request-id="{refund.pk}"]').count() == 0
    assert page.locator("tr[data-request-id]").count() == 3
    snap(page, "review-queue-after-zh-desktop")
    refund.refresh_from_db()
    assert (refund.status, refund.approved_amount) in (
        (RefundStatus.APPROVED, 12),
        (RefundStatus.REFUNDED, 12),
    )
    assert refund.decision_note == "部分餐品问题，按比例退款"


def test_the_review_pages_fit_a_phone(open_page):
    UserFactory(username="kefu_wu", role=roles.SENIOR_AGENT)
    refund, _others = review_scene()
    RefundRequest.objects.filter(pk=refund.pk).update(escalated=True)
    page = open_page(locale="zh-CN", viewport=PHONE)
    log_in(page, "kefu_wu")
    page.wait_for_url("**/review/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    snap(page, "review-queue-zh-phone")
    page.goto(f"/review/{refund.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    snap(page, "review-request-zh-phone")


def test_an_agent_adds_an_internal_note_on_a_phone(open_page):
    UserFactory(username="kefu_zhou", role=roles.AGENT)
    refund, _others = review_scene()
    page = open_page(locale="zh-CN", viewport=PHONE)
    log_in(page, "kefu_zhou")
    page.wait_for_url("**/review/")
    page.goto(f"/review/{refund.pk}/")

    internal = page.get_by_label("内部备注（仅员工可见）")
    assert internal.is_checked()  # internal unless unticked
    page.get_by_label("备注", exact=True).fill("顾客多次来电，先核实骑手记录")
    page.get_by_role("button", name="添加备注").click()

    page.wait_for_url(f"**/review/{refund.pk}/#notes")
    assert page.get_by_text(f"已为申请 #{refund.pk} 添加内部备注。").is_visible()
    step = page.locator("[data-internal-note]")
    assert "内部备注" in step.inner_text()
    assert "顾客多次来电，先核实骑手记录" in step.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page, lang="zh", phone=True)
    snap(page, "review-note-zh-phone")


# --- Money an agent can trust ---------------------------------------------------------


def test_an_agent_sees_lateness_already_compensated_in_chinese_on_a_desktop(open_page):
    zhang = long_standing_customer("zhangsan")
    order = delivered(zhang, late=timedelta(minutes=45))
    late = services.refund_file(
        customer=zhang, order_number=order.number, reason="late_delivery"
    ).request
    later = services.refund_file(customer=zhang, order_number=order.number, reason="other").request
    UserFactory(username="kefu_li", role=roles.AGENT)
    page = open_page(locale="zh-CN", viewport=DESKTOP)
    log_in(page, "kefu_li")

    page.goto(f"/review/{later.pk}/")

    panel = page.locator("[data-risk]")
    assert "已补偿过" in panel.inner_text()
    assert f"#{late.pk}" in panel.inner_text()
    snap(page, "trust-already-compensated-zh-desktop")
