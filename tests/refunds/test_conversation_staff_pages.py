"""The conversation on the agents' pages: the thread beside a request's
facts, asking the customer (the request then waits for the answer), plain
messages, the "Next request" button, and the queue's waiting requests and
nudge marks, through Django's test client."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import roles
from orders.models import Merchant, Order
from refundportal import clock
from refunds import services
from refunds.models import RefundRequest
from refunds.states import RefundStatus
from tests.factories import EvidenceFactory, RefundRequestFactory, UserFactory, create_order_at

pytestmark = pytest.mark.django_db

QUEUE = "/review/"
NEXT = "/review/next/"


def page(pk: int) -> str:
    return f"/review/{pk}/"


def browser_as(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def veteran(**kwargs):
    """A customer of 90 days: no new-account flag."""
    return UserFactory(role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=90), **kwargs)


def delivered_order(customer):
    now = clock.now()
    return create_order_at(
        customer=customer,
        status="delivered",
        promised_at=now - timedelta(minutes=90),
        delivered_at=now - timedelta(hours=1),
    )


def pending(customer=None) -> RefundRequest:
    """A request auto-review leaves for a person (reason ``other``)."""
    customer = customer or veteran()
    refund = services.refund_file(
        customer=customer,
        order_number=delivered_order(customer).number,
        reason="other",
        description="饭菜洒了",
    ).request
    assert refund.status == RefundStatus.PENDING_REVIEW
    return refund


def queued(*, due_in: timedelta, **fields) -> RefundRequest:
    """A pending request written directly, due for review in ``due_in``."""
    customer = veteran()
    return RefundRequestFactory(
        order=delivered_order(customer), review_due_at=clock.now() + due_in, **fields
    )


def messages_of(html: str) -> list[tuple[str, str]]:
    """``(author role, the message's html)`` for each message, in page order."""
    return re.findall(
        r'<li class="thread-message[^"]*"\s+data-testid="message" data-author-role="([^"]+)"'
        r"(.*?)</li>\s*(?=<li class=\"thread-message|</ol>)",
        html,
        re.S,
    )


def row_html(html: str, pk: int) -> str:
    start = html.index(f'<tr data-request-id="{pk}"')
    return html[start : html.index("</tr>", start)]


def count_testid(html: str, name: str) -> int:
    return html.count(f'data-testid="{name}"')


@pytest.fixture
def frozen():
    at = timezone.now().replace(microsecond=0)
    with clock.frozen_at(at):
        yield at


@pytest.fixture
def agent(db):
    return UserFactory(username="agent_li", role=roles.AGENT)


@pytest.fixture
def senior(db):
    return UserFactory(username="senior_wang", role=roles.SENIOR_AGENT)


# --- The thread -----------------------------------------------------------------------


def test_the_thread_shows_each_message_newest_last_with_author_time_and_photos(agent, frozen):
    refund = pending()
    customer = refund.customer
    filed_photo = EvidenceFactory(owner=customer, request=refund)
    sent_photo = EvidenceFactory(owner=customer)
    services.refund_message_post(refund=refund, author=agent, body="请问是哪道菜？")
    with clock.frozen_at(frozen + timedelta(minutes=5)):
        services.refund_message_post(
            refund=refund, author=customer, body="宫保鸡丁洒了", evidence_ids=[sent_photo.pk]
        )

    html = browser_as(agent).get(page(refund.pk)).content.decode()

    assert count_testid(html, "thread") == 1
    thread = messages_of(html)
    assert [role for role, _ in thread] == [roles.AGENT, roles.CUSTOMER]
    asked, answered = (body for _, body in thread)
    assert "agent_li · Agent" in asked and "请问是哪道菜？" in asked
    assert "Customer" in answered and "宫保鸡丁洒了" in answered
    at = timezone.localtime(frozen + timedelta(minutes=5)).strftime("%m-%d %H:%M")
    assert f">{at}</time>" in answered
    # The message's photo is a thumbnail in the message, opening the full photo.
    assert re.search(
        rf'<a class="thumb" href="/api/v1/evidence/{sent_photo.pk}/file/" target="_blank"', answered
    )
    # The photo filed with the request stays in the photos card, as a thumbnail too.
    photos_card = html[html.index('id="photos-title"') : html.index('id="order-title"')]
    assert f'href="/api/v1/evidence/{filed_photo.pk}/file/" target="_blank"' in photos_card
    assert f"/api/v1/evidence/{sent_photo.pk}/file/" not in photos_card
    assert 'width="88" height="88"' in photos_card


def test_an_empty_thread_says_so_and_offers_both_forms(agent, frozen):
    html = browser_as(agent).get(page(pending().pk)).content.decode()
    assert count_testid(html, "thread") == 1 and count_testid(html, "message") == 0
    assert "No message yet." in html
    assert count_testid(html, "ask-customer") == 1 and count_testid(html, "message-customer") == 1
    for question in (
        "Please send a clearer photo of the dish.",
        "Which item was missing? A photo of the receipt helps.",
        "Please send a photo of the packaging.",
    ):
        assert question in html


def test_the_request_page_runs_as_many_queries_with_many_messages_as_with_one(agent, frozen):
    refund = pending()
    client = browser_as(agent)
    services.refund_message_post(refund=refund, author=agent, body="请补充照片")
    with CaptureQueriesContext(connection) as one:
        client.get(page(refund.pk))
    for n in range(4):
        photo = EvidenceFactory(owner=refund.customer)
        services.refund_message_post(
            refund=refund, author=refund.customer, body=f"第{n}张", evidence_ids=[photo.pk]
        )
        services.refund_message_post(refund=refund, author=agent, body="收到")
    with CaptureQueriesContext(connection) as many:
        html = client.get(page(refund.pk)).content.decode()
    assert count_testid(html, "message") == 9
    assert len(one) == len(many)


# --- Asking the customer --------------------------------------------------------------


def test_asking_the_customer_makes_the_request_wait_and_shows_the_banner(agent, frozen):
    refund = pending()
    client = browser_as(agent)

    asked = client.post(page(refund.pk), {"action": "ask", "template": "clearer_photo", "body": ""})

    assert asked.status_code == 302 and asked["Location"] == page(refund.pk) + "#thread"
    refund.refresh_from_db()
    assert refund.status == RefundStatus.AWAITING_CUSTOMER
    assert refund.assignee == agent
    assert refund.customer_reply_due_at == frozen + timedelta(hours=48)
    html = client.get(page(refund.pk)).content.decode()
    since = timezone.localtime(frozen).strftime("%m-%d %H:%M")
    due = timezone.localtime(frozen + timedelta(hours=48)).strftime("%m-%d %H:%M")
    banner = html[html.index('data-testid="waiting-banner"') :]
    assert f"Waiting for the customer since {since} (answer due by {due})." in banner
    assert "agent_li · Agent asked:" in banner
    assert "Please send a clearer photo of the dish." in banner
    assert f"now waits for the customer&#x27;s answer, due by {due}" in html
    # No deciding, no second question, no review countdown while it waits.
    assert "data-decide-form" not in html and 'value="approve_full"' not in html
    assert count_testid(html, "ask-customer") == 0
    assert "data-sla " not in html
    assert count_testid(html, "message-customer") == 1
    [(role, body)] = messages_of(html)
    assert role == roles.AGENT and "Question" in body


def test_a_typed_question_wins_over_the_chosen_one(agent, frozen):
    refund = pending()
    browser_as(agent).post(
        page(refund.pk), {"action": "ask", "template": "packaging_photo", "body": "汤洒在哪里？"}
    )
    assert list(refund.messages.values_list("body", "asks_customer")) == [("汤洒在哪里？", True)]


def test_asking_nothing_keeps_the_form_and_says_why(agent, frozen):
    refund = pending()
    response = browser_as(agent).post(page(refund.pk), {"action": "ask", "body": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Write what you need, or choose a common question." in html
    assert count_testid(html, "ask-customer") == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING_REVIEW


def test_an_agent_cannot_ask_on_a_request_another_agent_holds(agent, frozen):
    refund = pending()
    colleague = UserFactory(username="agent_zhao", role=roles.AGENT)
    services.refund_claim(refund=refund, agent=colleague)
    client = browser_as(agent)

    assert count_testid(client.get(page(refund.pk)).content.decode(), "ask-customer") == 0
    response = client.post(page(refund.pk), {"action": "ask", "body": "请补充小票照片"})

    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-error-code="conflict"' in html
    assert "Another agent holds this request; wait or ask them." in html
    assert "agent_zhao is working on this request until" in html
    refund.refresh_from_db()
    assert (refund.status, refund.assignee) == (RefundStatus.PENDING_REVIEW, colleague)
    assert not refund.messages.exists()


def test_the_customers_answer_brings_the_request_back_with_the_thread(agent, frozen):
    refund = pending()
    client = browser_as(agent)
    client.post(page(refund.pk), {"action": "ask", "template": "missing_item"})
    with clock.frozen_at(frozen + timedelta(hours=2)):
        services.refund_message_post(refund=refund, author=refund.customer, body="少了一份米饭")
        html = client.get(page(refund.pk)).content.decode()
    assert "waiting-banner" not in html
    assert "data-decide-form" in html and count_testid(html, "ask-customer") == 1
    assert [role for role, _ in messages_of(html)] == [roles.AGENT, roles.CUSTOMER]


# --- Plain messages ------------------------------------------------------------------


def test_a_plain_message_leaves_the_request_under_review(agent, frozen):
    refund = pending()
    client = browser_as(agent)

    sent = client.post(page(refund.pk), {"action": "message", "body": "我们正在核实，请稍候"})

    assert sent.status_code == 302 and sent["Location"] == page(refund.pk) + "#thread"
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING_REVIEW
    html = client.get(page(refund.pk)).content.decode()
    assert f"Message sent to the customer of request #{refund.pk}." in html
    [(role, body)] = messages_of(html)
    assert role == roles.AGENT and "我们正在核实，请稍候" in body and "Question" not in body


def test_an_empty_message_is_refused_with_the_form_kept(agent, frozen):
    refund = pending()
    response = browser_as(agent).post(page(refund.pk), {"action": "message", "body": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="message-body-error"' in html and "Write a message." in html
    assert not refund.messages.exists()


def test_a_closed_request_takes_no_message(agent, frozen):
    refund = pending()
    client = browser_as(agent)
    client.post(page(refund.pk), {"action": "reject", "note": "不符合"})

    html = client.get(page(refund.pk)).content.decode()
    assert count_testid(html, "message-customer") == 0 and count_testid(html, "ask-customer") == 0
    response = client.post(page(refund.pk), {"action": "message", "body": "补充说明"})

    assert response.status_code == 409
    assert "a rejection can be appealed instead" in response.content.decode()


# --- Next request -------------------------------------------------------------------


def test_next_request_claims_the_most_urgent_unclaimed_one_an_agent_may_review(agent, frozen):
    colleague = UserFactory(role=roles.AGENT)
    escalated = queued(due_in=timedelta(minutes=10), escalated=True)
    held = queued(due_in=timedelta(minutes=20), assignee=colleague)
    later = queued(due_in=timedelta(hours=5))
    sooner = queued(due_in=timedelta(hours=1))
    client = browser_as(agent)

    first = client.post(NEXT)

    assert first.status_code == 302 and first["Location"] == page(sooner.pk)
    sooner.refresh_from_db()
    assert sooner.assignee == agent and sooner.claim_expires_at == frozen + timedelta(minutes=15)
    second = client.post(NEXT)
    assert second["Location"] == page(later.pk)
    for untouched in (escalated, held):
        before = untouched.assignee_id
        untouched.refresh_from_db()
        assert untouched.assignee_id == before


def test_next_request_takes_the_next_one_when_another_agent_claims_first(
    agent, frozen, monkeypatch
):
    colleague = UserFactory(role=roles.AGENT)
    first = queued(due_in=timedelta(hours=1))
    second = queued(due_in=timedelta(hours=2))
    claim = services.refund_claim

    def colleague_first(*, refund, agent):
        if refund.pk == first.pk:
            claim(refund=refund, agent=colleague)
        return claim(refund=refund, agent=agent)

    monkeypatch.setattr(services, "refund_claim", colleague_first)

    assert browser_as(agent).post(NEXT)["Location"] == page(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.assignee, second.assignee) == (colleague, agent)


def test_next_request_gives_a_senior_agent_the_escalated_one_first(senior, frozen):
    queued(due_in=timedelta(minutes=5))
    escalated = queued(due_in=timedelta(hours=3), escalated=True)
    assert browser_as(senior).post(NEXT)["Location"] == page(escalated.pk)


def test_next_request_says_all_caught_up_when_nothing_is_left(agent, frozen):
    queued(due_in=timedelta(hours=1), escalated=True)
    response = browser_as(agent).post(NEXT, follow=True)
    assert response.redirect_chain == [(QUEUE, 302)]
    assert "All caught up" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (roles.AGENT, 302),
        (roles.SENIOR_AGENT, 302),
        (roles.CUSTOMER, 403),
        (roles.INTEGRATION, 403),
        (roles.FINANCE, 403),
        (roles.MANAGER, 403),
        (None, 403),
    ],
)
def test_each_role_against_next_request(role, expected, frozen):
    waiting = queued(due_in=timedelta(hours=1))
    user = UserFactory(role=role) if role else UserFactory()
    response = browser_as(user).post(NEXT)
    assert response.status_code == expected
    waiting.refresh_from_db()
    assert (waiting.assignee_id == user.pk) is (expected == 302)


def test_next_request_is_a_post_for_people_logged_in(agent, frozen):
    assert browser_as(agent).get(NEXT).status_code == 405
    anonymous = Client().post(NEXT)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_after_a_decision_the_queue_offers_the_next_request(agent, frozen):
    refund = pending()
    client = browser_as(agent)
    decided = client.post(page(refund.pk), {"action": "approve_full"}, follow=True)
    html = decided.content.decode()
    assert f"Request #{refund.pk} was approved" in html
    assert count_testid(html, "next-request") == 1
    assert re.search(r'<form method="post" action="/review/next/"', html)
    # And on the decided request itself.
    assert count_testid(client.get(page(refund.pk)).content.decode(), "next-request") == 1


# --- The queue ----------------------------------------------------------------------


def test_waiting_rows_show_the_wait_instead_of_the_countdown(agent, frozen):
    waiting = pending()
    browser_as(agent).post(page(waiting.pk), {"action": "ask", "template": "clearer_photo"})
    under_review = pending()

    with clock.frozen_at(frozen + timedelta(hours=1)):
        html = browser_as(agent).get(QUEUE).content.decode()
        tab = browser_as(agent).get(QUEUE + "?waiting=1").content.decode()

    assert "data-sla " in row_html(html, under_review.pk)
    row = row_html(html, waiting.pk)
    since = timezone.localtime(frozen).strftime("%m-%d %H:%M")
    due = timezone.localtime(frozen + timedelta(hours=48)).strftime("%m-%d %H:%M")
    assert f"Waiting for the customer since {since}" in row and f"answer due by {due}" in row
    assert "data-sla" not in row and "left" not in row
    # The waiting ones come below the ones under review.
    assert html.index(f'data-request-id="{under_review.pk}"') < html.index(
        f'data-request-id="{waiting.pk}"'
    )
    assert f'data-request-id="{waiting.pk}"' in tab
    assert f'data-request-id="{under_review.pk}"' not in tab
    assert "1 request waiting for the customer" in tab


def test_a_nudged_request_shows_its_mark_and_count(agent, frozen):
    nudged = pending()
    quiet = pending()
    services.refund_nudge(refund=nudged, customer=nudged.customer)
    RefundRequest.objects.filter(pk=nudged.pk).update(nudge_count=3)

    html = browser_as(agent).get(QUEUE).content.decode()

    mark = re.search(r'data-testid="nudge-mark"[^>]*>([^<]+)<', row_html(html, nudged.pk))
    assert mark and mark.group(1) == "Hurried 3 times"
    assert "nudge-mark" not in row_html(html, quiet.pk)


def bulk_requests(count: int, *, customer, now: datetime, status: str) -> None:
    """``count`` requests on as many orders, written in bulk: pending ones
    (every third nudged, every other claimed) or waiting for the customer."""
    merchant, _ = Merchant.objects.get_or_create(code="BULK", defaults={"name": "批量测试餐厅"})
    offset = Order.objects.count()
    orders = Order.objects.bulk_create(
        Order(
            number=f"CONV-{offset + i:06d}",
            customer=customer,
            merchant=merchant,
            status="delivered",
            placed_at=now - timedelta(hours=2),
            promised_at=now - timedelta(minutes=90),
            delivered_at=now - timedelta(hours=1),
            items_total=Decimal("30.00"),
            paid_total=Decimal("30.00"),
            payload_digest="0" * 64,
        )
        for i in range(count)
    )
    agents = [None, UserFactory(role=roles.AGENT)]
    waiting = status == RefundStatus.AWAITING_CUSTOMER
    RefundRequest.objects.bulk_create(
        RefundRequest(
            order=order,
            customer=customer,
            reason="other",
            status=status,
            requested_amount=Decimal("30.00"),
            assignee=agents[1] if waiting else agents[i % 2],
            claim_expires_at=now + timedelta(hours=40) if waiting or i % 2 else None,
            review_due_at=now + timedelta(minutes=30 + i),
            awaiting_since=now - timedelta(minutes=i) if waiting else None,
            customer_reply_due_at=now + timedelta(hours=40, minutes=i) if waiting else None,
            nudge_count=0 if waiting or i % 3 else 1 + i % 4,
            nudged_at=None if waiting or i % 3 else now - timedelta(minutes=i),
            created_at=now - timedelta(hours=1),
            updated_at=now,
        )
        for i, order in enumerate(orders)
    )


def queries_for(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_the_queue_runs_as_many_queries_for_10_000_requests_as_for_10(agent, frozen):
    customer = veteran()
    client = browser_as(agent)
    for status in (RefundStatus.PENDING_REVIEW, RefundStatus.AWAITING_CUSTOMER):
        bulk_requests(10, customer=customer, now=frozen, status=status)
    few = queries_for(client, QUEUE)
    few_waiting = queries_for(client, QUEUE + "?waiting=1")
    html = client.get(QUEUE).content.decode()
    assert count_testid(html, "waiting-since") == 10 and count_testid(html, "nudge-mark") == 4

    for status in (RefundStatus.PENDING_REVIEW, RefundStatus.AWAITING_CUSTOMER):
        bulk_requests(9_990, customer=customer, now=frozen, status=status)

    assert queries_for(client, QUEUE) == few
    assert queries_for(client, QUEUE + "?waiting=1") == few_waiting
    html = client.get(QUEUE).content.decode()
    assert count_testid(html, "waiting-since") == 25
    assert "10000 requests waiting" in html
    assert "?waiting=1" in html
