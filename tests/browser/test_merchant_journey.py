"""The merchant's stage in Chromium: a restaurant's staff approve part of a
request from a phone at the counter; a restaurant refuses and an agent,
reading the refusal first, approves it anyway; nobody at the restaurant
answers and the request is approved in full on its silence (rule M1). In
Chinese and in English.

The Chinese translations of the merchant pages' words are compiled later:
in Chinese these journeys check the pages' structure (test ids, status
attributes), in English their words too."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from accounts import roles
from orders.models import Merchant
from refundportal import clock
from refunds import services
from refunds.evidence import process_photo
from refunds.models import Liability, RefundPolicy, RefundRequest
from refunds.states import RefundStatus
from tests.factories import UserFactory, create_order_at

from .conftest import DESKTOP, PHONE, loaded_width
from .support import (
    LOCALES,
    Journey,
    delivered,
    food_photo,
    long_standing_customer,
    no_sideways_scroll,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT: dict[str, dict[str, Any]] = {"zh": {}, "en": {}}
MERCHANT = {"code": "M010", "name": "老王川菜馆"}
NOTE = {"zh": "汤洒了一半，退一半的钱。", "en": "Half the soup spilled: we refund half."}


def restaurant_staff(username: str) -> Any:
    """A merchant user of 老王川菜馆, the scenes' restaurant."""
    user = UserFactory(username=username, role=roles.MERCHANT)
    merchant, _created = Merchant.objects.get_or_create(
        code=MERCHANT["code"], defaults={"name": MERCHANT["name"]}
    )
    merchant.members.add(user)
    return user


def spilled_soup(username: str, tmp_path: Path) -> RefundRequest:
    """Spilled soup with a photo, above what is approved at once (rule R12):
    the restaurant answers first."""
    policy = RefundPolicy.current()
    policy.auto_approve_limit = Decimal("10.00")
    policy.save()
    customer = long_standing_customer(username)
    order = delivered(customer)
    upload = food_photo(tmp_path)
    with upload.open("rb") as file:
        photo = process_photo(file, upload.stat().st_size)
    stored = services.evidence_store(owner=customer, photo=photo)
    refund = services.refund_file(
        customer=customer,
        order_number=order.number,
        reason="damaged",
        description="汤洒了一半，袋子里全是汤。",
        evidence_ids=[stored.pk],
    ).request
    assert refund.status == RefundStatus.AWAITING_MERCHANT
    return refund


def changed_mind(username: str) -> RefundRequest:
    """A change of mind while the food is cooked (rule R13)."""
    customer = long_standing_customer(username)
    order = create_order_at(
        customer=customer,
        status="accepted",
        promised_at=clock.now() + timedelta(minutes=30),
        merchant=MERCHANT,
    )
    refund = services.refund_file(
        customer=customer,
        order_number=order.number,
        reason="changed_mind",
        description="临时有事，吃不了了。",
    ).request
    assert refund.status == RefundStatus.AWAITING_MERCHANT
    return refund


def seat(viewport: dict[str, int]) -> str:
    return "phone" if viewport == PHONE else "desktop"


@pytest.mark.parametrize("lang", LOCALES)
def test_a_merchant_approves_part_of_a_request_from_a_phone(
    open_page: Any, tmp_path: Path, lang: str
) -> None:
    restaurant_staff("laowang_dian")
    refund = spilled_soup("xiaoli", tmp_path)

    customer_page = open_page(locale=LOCALES[lang], viewport=PHONE)
    customer = Journey(customer_page, "merchant-stage-customer", lang, "phone", TEXT[lang])
    customer.log_in(f"/refunds/{refund.pk}/", "xiaoli", f"**/refunds/{refund.pk}/")
    stage = customer_page.locator("[data-testid=merchant-stage]")
    assert stage.is_visible()
    assert customer_page.locator(".status-card .status-awaiting_merchant").count() == 1
    if lang == "en":
        assert "answers your request first" in stage.inner_text()
        assert "approved in full" in stage.inner_text()
    customer.visit("waiting")

    page = open_page(locale=LOCALES[lang], viewport=PHONE)
    merchant = Journey(page, "merchant", lang, "phone", TEXT[lang])
    merchant.log_in("/", "laowang_dian", "**/merchant/")
    rows = page.locator("[data-testid=merchant-waiting] [data-testid=merchant-row]")
    assert rows.count() == 1
    countdown = rows.first.locator("[data-testid=merchant-countdown]")
    assert countdown.get_attribute("data-sla-state-now") == "ok"  # ticked by the script
    if lang == "en":
        # The script counts down from the server's time, a second at a time.
        assert re.search(r"0:(30:00|29:[0-5]\d) left", countdown.inner_text())
        assert page.get_by_role("link", name="Refund requests").get_attribute("aria-current")
    no_sideways_scroll(page)
    merchant.visit("list")

    rows.first.locator("a").click()
    page.wait_for_url(f"**/merchant/refunds/{refund.pk}/")
    assert "汤洒了一半" in page.locator("[data-testid=description]").inner_text()
    thumbnail = page.locator("[data-testid=photos] img")
    assert loaded_width(thumbnail) > 0
    box = thumbnail.bounding_box()
    assert box is not None and box["width"] <= 100  # a thumbnail; its link opens the photo
    assert page.locator("[data-testid=merchant-request] table.breakdown tbody tr").count() >= 1
    assert page.locator("[data-testid=merchant-countdown]").count() == 1
    no_sideways_scroll(page)
    merchant.visit("request")

    form = page.locator("[data-testid=answer-form]")
    form.locator("select[name=note_template]").select_option("partial_problem")
    assert form.locator("textarea[name=note]").input_value() != ""  # the script filled it
    form.locator("textarea[name=note]").fill(NOTE[lang])
    half = (refund.requested_amount / 2).quantize(Decimal("0.01"))
    form.locator("input[name=amount]").fill(str(half))
    merchant.visit("answer", full_page=False)
    form.locator("[data-testid=approve-part]").click()
    page.wait_for_url(re.compile(r".*/merchant/$"))
    assert page.locator(".message-success").count() == 1
    if lang == "en":
        assert f"Request #{refund.pk} approved" in page.locator(".message-success").inner_text()
    answered = page.locator("[data-testid=merchant-answered] [data-testid=merchant-row]")
    assert answered.first.get_attribute("data-refund-id") == str(refund.pk)
    assert answered.first.get_attribute("data-status") in ("approved", "refunded")
    assert page.locator("[data-testid=merchant-caught-up]").count() == 1
    no_sideways_scroll(page)
    merchant.visit("answered")
    refund.refresh_from_db()
    assert refund.approved_amount == half
    assert refund.merchant_note == NOTE[lang]
    assert refund.liability == Liability.MERCHANT


@pytest.mark.parametrize("lang", LOCALES)
def test_a_merchant_refuses_and_an_agent_reads_it_first_and_approves(
    open_page: Any, lang: str
) -> None:
    restaurant_staff("laowang_dian")
    UserFactory(username="kefu_li", role=roles.AGENT)
    refund = changed_mind("dapeng")

    page = open_page(locale=LOCALES[lang], viewport=PHONE)
    merchant = Journey(page, "merchant-refuse", lang, "phone", TEXT[lang])
    merchant.log_in(f"/merchant/refunds/{refund.pk}/", "laowang_dian", "**/merchant/refunds/*/")
    form = page.locator("[data-testid=answer-form]")
    form.locator("[data-testid=refuse]").click()
    page.wait_for_url(f"**/merchant/refunds/{refund.pk}/*")
    assert page.locator("#answer-note-error").is_visible()  # a refusal needs a note
    if lang == "en":
        assert "A refusal needs a note" in page.locator("#answer-note-error").inner_text()
    merchant.visit("refusal-error")
    form = page.locator("[data-testid=answer-form]")
    form.locator("select[name=note_template]").select_option("already_cooked")
    note = form.locator("textarea[name=note]").input_value()
    assert note
    form.locator("[data-testid=refuse]").click()
    page.wait_for_url(re.compile(r".*/merchant/$"))
    row = page.locator("[data-testid=merchant-answered] [data-testid=merchant-row]").first
    assert row.get_attribute("data-status") == "pending_review"
    merchant.visit("refused")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING_REVIEW
    assert refund.merchant_note == note

    desk = open_page(locale=LOCALES[lang], viewport=DESKTOP)
    agent = Journey(desk, "merchant-refuse-agent", lang, "desktop", TEXT[lang])
    agent.log_in(f"/review/{refund.pk}/", "kefu_li", f"**/review/{refund.pk}/")
    refusal = desk.locator("[data-testid=merchant-refusal]")
    assert note in refusal.inner_text()
    assert "laowang_dian" in refusal.inner_text()
    refusal_box = refusal.bounding_box()
    layout_box = desk.locator(".review-layout").bounding_box()
    assert refusal_box is not None and layout_box is not None
    assert refusal_box["y"] < layout_box["y"]  # the first thing the agent reads
    assert refusal_box["y"] < DESKTOP["height"]
    agent.visit("refusal", full_page=False)
    desk.locator("[data-decide-form] textarea[name=note]").fill(
        "商家仍在备餐，可以取消，同意退款。"
    )
    desk.locator("[data-decide-form] button[value=approve_full]").click()
    desk.wait_for_url(re.compile(r".*/review/$"))
    agent.visit("decided")
    refund.refresh_from_db()
    assert refund.status in (RefundStatus.APPROVED, RefundStatus.REFUNDED)
    assert refund.decided_by is not None and refund.decided_by.username == "kefu_li"
    assert refund.liability == Liability.PLATFORM  # a change of mind: the platform's goodwill

    desk.goto(f"/review/{refund.pk}/")
    assert desk.locator("[data-testid=liability]").get_attribute("data-liability") == "platform"
    agent.visit("liability", full_page=False)


@pytest.mark.parametrize(
    ("lang", "viewport"), [("zh", PHONE), ("en", DESKTOP)], ids=["zh-phone", "en-desktop"]
)
def test_a_request_is_approved_in_full_when_the_merchant_stays_silent(
    open_page: Any, lang: str, viewport: dict[str, int]
) -> None:
    restaurant_staff("laowang_dian")
    with clock.frozen_at(clock.now() - timedelta(minutes=31)):
        refund = changed_mind("xiaohong")
    assert services.refund_merchant_timeouts(clock.now()) == {"approved": 1, "held": 0}

    page = open_page(locale=LOCALES[lang], viewport=viewport)
    journey = Journey(page, "merchant-silent", lang, seat(viewport), TEXT[lang])
    journey.log_in(f"/refunds/{refund.pk}/", "xiaohong", f"**/refunds/{refund.pk}/")
    status = page.locator(".status-card")
    assert status.locator(".status").get_attribute("class") in (
        "status status-approved",
        "status status-refunded",
    )
    assert page.locator("[data-testid=merchant-stage]").count() == 0
    assert page.locator("[data-decision]").inner_text().strip()
    if lang == "en":
        assert "The merchant did not answer in time: approved in full." in status.inner_text()
    journey.visit("approved")
    refund.refresh_from_db()
    assert refund.decision_rule == "M1"
    assert refund.approved_amount == refund.requested_amount
