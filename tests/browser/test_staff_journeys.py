"""The staff's main journeys in Chromium: an agent works the review queue
(Chinese, desktop); finance retries and reroutes a declined payout
(English, phone)."""

import re
import time
from datetime import timedelta

import pytest

from accounts import roles
from payouts.models import Payout
from payouts.states import PayoutStatus
from refundportal import clock
from refunds import services
from refunds.evidence import process_photo
from refunds.models import RefundRequest
from refunds.services import payout_attempt
from refunds.states import RefundStatus
from tests.factories import PASSWORD, UserFactory, create_order, create_order_at, photo_upload

from .a11y import assert_accessible
from .conftest import DESKTOP, PHONE, SCREENSHOTS, loaded_width
from .conftest import screenshot as full_page_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshot(page, name: str) -> None:
    """A full-page picture from the top, so that the sticky header stays
    where a reader sees it."""
    page.evaluate("window.scrollTo(0, 0)")
    full_page_screenshot(page, name)


def log_in(page, username: str, *, english: bool = False) -> None:
    page.goto("/accounts/login/")
    if english:
        page.get_by_role("button", name="EN").click()
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
    else:
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()


def settle(payout_id: int) -> Payout:
    """Run the payout's due attempt here, unless a worker (or the in-process
    task of the embedded default) already has: either way it is made once."""
    deadline = time.monotonic() + 30
    while True:
        payout_attempt(payout_id=payout_id)
        payout = Payout.objects.get(pk=payout_id)
        if payout.status in (PayoutStatus.SUCCEEDED, PayoutStatus.FAILED):
            return payout
        if time.monotonic() > deadline:
            raise AssertionError(f"payout {payout_id} is still {payout.status}")
        time.sleep(0.2)


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
    )
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
        )
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
    screenshot(page, "review-queue-zh-desktop")

    page.get_by_role("link", name=f"#{refund.pk}", exact=True).click()
    page.wait_for_url(f"**/review/{refund.pk}/")
    assert page.locator("h1").inner_text() == f"退款申请 #{refund.pk}"
    assert page.get_by_text("账户注册仅 2 天").is_visible()
    photo = page.locator(".evidence img").first
    assert photo.get_attribute("alt") == f"申请 #{refund.pk} 的第 1 张图片"
    assert loaded_width(photo) > 0
    assert page.get_by_text("汤洒了一半，袋子里全是汤。").is_visible()
    screenshot(page, "review-request-zh-desktop")

    page.get_by_role("button", name="领取").click()
    page.wait_for_url(f"**/review/{refund.pk}/")
    assert page.get_by_text("您已领取此申请，保留至").is_visible()

    page.get_by_label("常用说明").select_option("partial_items")
    assert page.get_by_label("给顾客的说明").input_value() == "部分餐品问题，按比例退款"
    page.get_by_label("同意金额（部分同意时填写）").fill("12.00")
    screenshot(page, "review-decide-zh-desktop")
    page.get_by_role("button", name="部分同意").click()

    page.wait_for_url("**/review/")
    assert page.get_by_text(f"申请 #{refund.pk} 已同意：¥12.00。").is_visible()
    assert page.locator(f'tr[data-request-id="{refund.pk}"]').count() == 0
    assert page.locator("tr[data-request-id]").count() == 3
    screenshot(page, "review-queue-after-zh-desktop")
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
    screenshot(page, "review-queue-zh-phone")
    page.goto(f"/review/{refund.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "review-request-zh-phone")


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
    screenshot(page, "review-note-zh-phone")


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
    refund = services.refund_file(customer=customer, order_number=order.number, reason="other")
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
    screenshot(page, "finance-payouts-en-phone")

    # The declined payout waits first, under "Needs action".
    needs_action = page.get_by_role("region", name="Needs action")
    assert "Declined: reroute it to the platform balance." in needs_action.inner_text()
    needs_action.get_by_role("link", name=f"#{payout.pk}", exact=True).click()
    page.wait_for_url(f"**/finance/payouts/{payout.pk}/")
    assert page.locator("[data-attempt]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "finance-payout-en-phone")

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
    screenshot(page, "finance-payout-retried-en-phone")

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
    screenshot(page, "finance-rerouted-en-phone")

    page.get_by_role("link", name="Sandbox ledger").click()
    page.wait_for_url("**/finance/ledger/")
    assert page.locator("tr[data-ledger-key]").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "finance-ledger-en-phone")


def test_finance_pages_on_a_desktop(open_page):
    UserFactory(username="caiwu_he", role=roles.FINANCE)
    payout = declined_payout()
    page = open_page(locale="zh-CN", viewport=DESKTOP)
    log_in(page, "caiwu_he")
    page.wait_for_url("**/finance/payouts/")
    assert page.locator("h1").inner_text() == "退款打款"
    screenshot(page, "finance-payouts-zh-desktop")
    page.goto(f"/finance/payouts/{payout.pk}/")
    screenshot(page, "finance-payout-zh-desktop")
