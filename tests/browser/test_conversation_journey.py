"""The conversation in Chromium: an agent asks for a clearer photo, the
customer answers with one from a phone, the agent approves; a customer
nudges (催办) a request; a request waiting for its customer's answer times
out and is rejected, to be appealed. In Chinese and in English, on a phone
and on a desktop."""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from accounts import roles
from refundportal import clock
from refunds import services
from refunds.models import RefundRequest
from refunds.states import RefundStatus
from tests.factories import UserFactory

from .conftest import DESKTOP, PHONE, loaded_width
from .support import LOCALES, Journey, delivered, food_photo, long_standing_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = {
    "zh": "照片有些模糊，麻烦再拍一张清晰的餐品照片。",
    "en": "The photo is blurred: please send a clearer one of the dish.",
}
ANSWER = {"zh": "已补拍，请查看。", "en": "Here is a sharper one."}

TEXT = {
    "zh": {
        "waiting": "待您回复",
        "answer due": "请在",
        "sent": "已发送",
        "approve in full": r"^全额同意",
        "hurried": "您已催办 1 次。",
        "again from": "后可再次催办",
        "rejected": "已驳回",
        "no answer": "小时内未收到回复",
        "appeal": "申请复核",
    },
    "en": {
        "waiting": "Needs your answer",
        "answer due": "Please answer by",
        "sent": "sent",
        "approve in full": r"^Approve in full",
        "hurried": "You hurried this request 1 time.",
        "again from": "You can hurry it again from",
        "rejected": "Rejected",
        "no answer": "no answer came within 48 h",
        "appeal": "Appeal",
    },
}

# Who works on which screen in each run: the agent at a desk and the
# customer on a phone, and the other way round.
SEATS = {
    "agent-desktop": {"agent": DESKTOP, "customer": PHONE},
    "agent-phone": {"agent": PHONE, "customer": DESKTOP},
}


def under_review(username: str, description: str) -> RefundRequest:
    """A request for a reason the rules leave to a person ("other")."""
    customer = long_standing_customer(username)
    order = delivered(customer)
    return services.refund_file(
        customer=customer,
        order_number=order.number,
        reason="other",
        description=description,
    ).request


def seat(viewport: dict[str, int]) -> str:
    return "phone" if viewport == PHONE else "desktop"


@pytest.mark.parametrize("seats", SEATS)
@pytest.mark.parametrize("lang", LOCALES)
def test_an_agent_asks_for_a_clearer_photo_and_approves_after_the_answer(
    open_page: Any, tmp_path: Path, lang: str, seats: str
) -> None:
    text = TEXT[lang]
    UserFactory(username="kefu_wang", role=roles.AGENT)
    refund = under_review("xiaomei", "汤洒了一半，照片拍得不太清楚。")
    viewports = SEATS[seats]

    agent_page = open_page(locale=LOCALES[lang], viewport=viewports["agent"])
    agent = Journey(agent_page, "conversation-agent", lang, seat(viewports["agent"]), text)
    agent.log_in(f"/review/{refund.pk}/", "kefu_wang", f"**/review/{refund.pk}/")
    ask = agent_page.locator("[data-testid=ask-customer]")
    ask.locator("textarea").fill(QUESTION[lang])
    agent.visit("ask")
    ask.get_by_role("button").last.click()
    agent_page.wait_for_url(re.compile(rf".*/review/{refund.pk}/.*"))
    banner = agent_page.locator("[data-testid=waiting-banner]")
    assert QUESTION[lang] in banner.inner_text()
    assert agent_page.locator("[data-testid=message]").count() == 1
    agent.visit("waiting")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.AWAITING_CUSTOMER

    customer_page = open_page(locale=LOCALES[lang], viewport=viewports["customer"])
    customer = Journey(
        customer_page, "conversation-customer", lang, seat(viewports["customer"]), text
    )
    customer.log_in(f"/refunds/{refund.pk}/", "xiaomei", f"**/refunds/{refund.pk}/")
    waiting = customer_page.locator("[data-testid=waiting-banner]")
    assert QUESTION[lang] in waiting.inner_text()
    assert text["answer due"] in waiting.inner_text()
    assert text["waiting"] in customer_page.locator(".status-card").inner_text()
    customer.visit("waiting")

    reply = customer_page.locator("[data-testid=reply-form]")
    reply.locator("textarea").fill(ANSWER[lang])
    reply.locator("input[type=file]").set_input_files(str(food_photo(tmp_path)))
    reply.locator(".photo-tile input[name=evidence]").wait_for(state="attached")
    customer.visit("answer")
    reply.locator("[data-submit]").click()
    customer_page.wait_for_url(re.compile(rf".*/refunds/{refund.pk}/.*"))
    assert customer_page.locator("[data-testid=waiting-banner]").count() == 0
    thread = customer_page.locator("[data-testid=thread] [data-testid=message]")
    assert thread.count() == 2
    assert ANSWER[lang] in thread.last.inner_text()
    assert loaded_width(thread.last.locator("img")) > 0
    customer.visit("answered")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING_REVIEW

    agent_page.reload()
    messages = agent_page.locator("[data-testid=thread] [data-testid=message]")
    assert messages.count() == 2
    assert messages.last.get_attribute("data-author-role") == "customer"
    thumbnail = messages.last.locator("img")
    assert loaded_width(thumbnail) > 0
    box = thumbnail.bounding_box()
    assert box is not None and box["width"] <= 160  # a thumbnail, not the photo
    agent.visit("answered")
    agent_page.get_by_role("button", name=re.compile(text["approve in full"])).click()
    agent_page.wait_for_url(re.compile(r".*/review/.*"))
    assert agent_page.locator("[data-testid=next-request]").count() >= 1
    agent.visit("decided")
    refund.refresh_from_db()
    assert refund.status in (RefundStatus.APPROVED, RefundStatus.REFUNDED)


@pytest.mark.parametrize(
    ("lang", "viewport"), [("zh", PHONE), ("en", DESKTOP)], ids=["zh-phone", "en-desktop"]
)
def test_a_customer_nudges_a_request_under_review(
    open_page: Any, lang: str, viewport: dict[str, int]
) -> None:
    text = TEXT[lang]
    senior = UserFactory(username="zhuguan", role=roles.SENIOR_AGENT)
    refund = under_review("lili", "等了很久还没有结果。")
    page = open_page(locale=LOCALES[lang], viewport=viewport)
    journey = Journey(page, "nudge", lang, seat(viewport), text)
    journey.log_in(f"/refunds/{refund.pk}/", "lili", f"**/refunds/{refund.pk}/")
    journey.visit("before")
    page.locator("[data-testid=nudge]").click()
    page.wait_for_url(re.compile(rf".*/refunds/{refund.pk}/.*"))
    assert text["hurried"] in page.locator(".status-card").inner_text()
    assert text["again from"] in page.locator(".status-card").inner_text()
    assert page.locator("[data-testid=nudge]").is_disabled()
    journey.visit("after")
    assert senior.notifications.filter(event="refund_nudged").count() == 1

    staff = open_page(locale=LOCALES[lang], viewport=viewport)
    queue = Journey(staff, "nudge-queue", lang, seat(viewport), text)
    queue.log_in("/review/", "zhuguan", "**/review/")
    assert staff.locator("[data-testid=nudge-mark]").count() == 1
    assert staff.locator("[data-testid=unread-badge]").count() == 1
    queue.visit("queue")


@pytest.mark.parametrize(
    ("lang", "viewport"), [("zh", DESKTOP), ("en", PHONE)], ids=["zh-desktop", "en-phone"]
)
def test_a_request_waiting_for_its_customer_times_out(
    open_page: Any, lang: str, viewport: dict[str, int]
) -> None:
    text = TEXT[lang]
    agent = UserFactory(username="kefu_zhao", role=roles.AGENT)
    with clock.frozen_at(clock.now() - timedelta(hours=49)):
        refund = under_review("dawei", "少了一份米饭。")
        services.refund_message_post(
            refund=refund, author=agent, body=QUESTION[lang], awaiting_customer=True
        )
    assert services.refund_customer_timeouts(clock.now()) == {"rejected": 1}

    page = open_page(locale=LOCALES[lang], viewport=viewport)
    journey = Journey(page, "timeout", lang, seat(viewport), text)
    journey.log_in(f"/refunds/{refund.pk}/", "dawei", f"**/refunds/{refund.pk}/")
    status = page.locator(".status-card")
    assert text["rejected"] in status.inner_text()
    assert text["no answer"] in page.locator("[data-decision]").inner_text()
    assert page.locator("[data-testid=reply-form]").count() == 0
    assert page.locator("[data-reply-closed]").is_visible()
    assert page.get_by_role("heading", name=re.compile(text["appeal"])).count() >= 1
    journey.visit("rejected")
