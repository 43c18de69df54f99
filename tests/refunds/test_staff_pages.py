"""The review pages: the queue at /review/ and a request at /review/<id>/,
through Django's test client, as agents, senior agents and everyone else."""

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
from tests.factories import EvidenceFactory, UserFactory, create_order_at

pytestmark = pytest.mark.django_db

QUEUE = "/review/"


def page(pk: int) -> str:
    return f"/review/{pk}/"


def browser_as(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def veteran(**kwargs):
    """A customer of 90 days: no new-account flag."""
    return UserFactory(role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=90), **kwargs)


def pending(
    customer=None, *, reason: str = "other", description: str = "饭菜洒了"
) -> RefundRequest:
    """A request auto-review leaves for a person (R15: reason ``other``),
    on an order delivered an hour ago."""
    customer = customer or veteran()
    now = clock.now()
    order = create_order_at(
        customer=customer,
        status="delivered",
        promised_at=now - timedelta(minutes=90),
        delivered_at=now - timedelta(hours=1),
    )
    refund = services.refund_file(
        customer=customer, order_number=order.number, reason=reason, description=description
    ).request
    assert refund.status == RefundStatus.PENDING_REVIEW
    return refund


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-request-id="(\d+)"', html)]


def row_html(html: str, pk: int) -> str:
    start = html.index(f'<tr data-request-id="{pk}"')
    return html[start : html.index("</tr>", start)]


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


# --- Who may open the pages ------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (roles.AGENT, 200),
        (roles.SENIOR_AGENT, 200),
        (roles.CUSTOMER, 403),
        (roles.INTEGRATION, 403),
        (roles.FINANCE, 403),
        (roles.MANAGER, 403),
        (None, 403),
    ],
)
def test_each_role_against_the_review_pages(role, expected, frozen):
    refund = pending()
    user = UserFactory(role=role) if role else UserFactory()
    client = browser_as(user)
    assert client.get(QUEUE).status_code == expected
    assert client.get(page(refund.pk)).status_code == expected
    posted = client.post(page(refund.pk), {"action": "claim"})
    assert posted.status_code == (302 if expected == 200 else 403)


def test_anonymous_visitors_are_sent_to_log_in(frozen):
    refund = pending()
    for path in (QUEUE, page(refund.pk)):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_an_agent_gets_403_on_an_escalated_request_and_never_sees_it_queued(agent, senior, frozen):
    escalated = pending()
    RefundRequest.objects.filter(pk=escalated.pk).update(escalated=True)
    normal = pending()

    response = browser_as(agent).get(page(escalated.pk))
    assert response.status_code == 403
    assert "senior agent" in response.content.decode()
    assert browser_as(agent).post(page(escalated.pk), {"action": "claim"}).status_code == 403
    assert row_ids(browser_as(agent).get(QUEUE).content.decode()) == [normal.pk]

    assert browser_as(senior).get(page(escalated.pk)).status_code == 200
    assert row_ids(browser_as(senior).get(QUEUE).content.decode()) == [escalated.pk, normal.pk]


def test_an_appeal_is_for_a_senior_agent_other_than_the_one_who_rejected(agent, senior, frozen):
    customer = veteran()
    refund = pending(customer)
    services.refund_decide(refund=refund, agent=senior, decision="reject", note="超出退款时效")
    services.refund_appeal(request=refund, customer=customer, reason="我有照片，饭真的洒了")
    other_senior = UserFactory(role=roles.SENIOR_AGENT)

    assert browser_as(agent).get(page(refund.pk)).status_code == 403
    assert browser_as(senior).get(page(refund.pk)).status_code == 403
    assert refund.pk not in row_ids(browser_as(senior).get(QUEUE).content.decode())

    response = browser_as(other_senior).get(page(refund.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "我有照片，饭真的洒了" in html  # the appeal text
    assert "Rejected before by senior_wang" in html
    assert row_ids(browser_as(other_senior).get(QUEUE).content.decode()) == [refund.pk]


# --- The queue -----------------------------------------------------------------------


def test_the_queue_lists_escalated_first_then_by_review_due_time(senior, frozen):
    late, soon, escalated_late, escalated_soon = (pending() for _ in range(4))
    due = {
        late.pk: frozen + timedelta(hours=20),
        soon.pk: frozen + timedelta(hours=2),
        escalated_late.pk: frozen + timedelta(hours=10),
        escalated_soon.pk: frozen + timedelta(hours=1),
    }
    for pk, at in due.items():
        RefundRequest.objects.filter(pk=pk).update(review_due_at=at)
    RefundRequest.objects.filter(pk__in=[escalated_late.pk, escalated_soon.pk]).update(
        escalated=True
    )

    html = browser_as(senior).get(QUEUE).content.decode()

    assert row_ids(html) == [escalated_soon.pk, escalated_late.pk, soon.pk, late.pk]


def test_a_queue_row_shows_what_an_agent_triages_by(agent, frozen):
    customer = veteran()
    refund = pending(customer, reason="other")
    RefundRequest.objects.filter(pk=refund.pk).update(risk_level="high", risk_score=65)

    html = row_html(browser_as(agent).get(QUEUE).content.decode(), refund.pk)

    assert f'href="/review/{refund.pk}/"' in html
    assert refund.order.number in html
    assert "老王川菜馆" in html  # the merchant
    assert "Other" in html  # the reason's label
    assert "¥24.00" in html  # the requested amount
    assert "risk-high" in html and "High risk" in html
    assert "Unassigned" in html
    due = timezone.localtime(refund.review_due_at).strftime("%m-%d %H:%M")
    assert f"due {due}" in html  # in China Standard Time


def test_the_queue_filters_by_reason_escalation_and_assignee(agent, senior, frozen):
    mine = pending(reason="other")
    services.refund_claim(refund=mine, agent=senior)
    not_delivered = pending(reason="not_delivered")  # R8: delivered per the record
    escalated = pending(reason="other")
    RefundRequest.objects.filter(pk=escalated.pk).update(escalated=True)
    client = browser_as(senior)

    def ids(query: str) -> set[int]:
        return set(row_ids(client.get(QUEUE + query).content.decode()))

    assert ids("") == {mine.pk, not_delivered.pk, escalated.pk}
    assert ids("?reason=not_delivered") == {not_delivered.pk}
    assert ids("?escalated=1") == {escalated.pk}
    assert ids("?escalated=0") == {mine.pk, not_delivered.pk}
    assert ids("?mine=1") == {mine.pk}
    assert ids("?unassigned=1") == {not_delivered.pk, escalated.pk}
    assert ids("?reason=bogus") == {mine.pk, not_delivered.pk, escalated.pk}
    html = client.get(QUEUE + "?mine=1&reason=late_delivery").content.decode()
    assert "No request matches these filters" in html


def test_an_empty_queue_says_so(agent):
    response = browser_as(agent).get(QUEUE)
    assert response.status_code == 200
    assert "Nothing is waiting for review" in response.content.decode()


def test_the_queue_speaks_chinese_by_default(agent, frozen):
    pending()
    html = browser_as(agent, language="zh-hans").get(QUEUE).content.decode()
    assert "审核队列" in html
    assert "剩余" in html  # the SLA countdown


@pytest.mark.parametrize(
    ("used", "state", "word"),
    [(0.5, "ok", "On time"), (0.85, "warn", "Due soon"), (1.05, "breached", "Overdue")],
)
def test_the_sla_badge_turns_amber_at_80_percent_and_red_past_due(agent, frozen, used, state, word):
    refund = pending()
    window = timedelta(hours=24)
    created = frozen - window * used
    RefundRequest.objects.filter(pk=refund.pk).update(
        created_at=created, review_due_at=created + window
    )

    html = row_html(browser_as(agent).get(QUEUE).content.decode(), refund.pk)

    assert f'class="sla sla-{state}"' in html
    assert f'data-created-at="{timezone.localtime(created).isoformat(timespec="seconds")}"' in html
    assert "+08:00" in html
    remaining = (created + window) - frozen
    hours, rest = divmod(int(abs(remaining.total_seconds())), 3600)
    clock_text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    assert f"data-sla-state>{word}</span>" in html
    assert (f"by {clock_text}" if state == "breached" else f"{clock_text} left") in html


def test_the_queue_pages_by_25_and_keeps_the_filters(agent, frozen):
    customer = veteran()
    bulk_pending(30, customer=customer, now=frozen)
    client = browser_as(agent)
    first = client.get(QUEUE + "?reason=other").content.decode()
    assert len(row_ids(first)) == 25
    assert "?reason=other&amp;page=2" in first
    second = client.get(QUEUE + "?reason=other&page=2").content.decode()
    assert len(row_ids(second)) == 5
    assert not set(row_ids(first)) & set(row_ids(second))


def bulk_pending(count: int, *, customer, now: datetime) -> list[RefundRequest]:
    """``count`` pending requests on as many orders, written in bulk."""
    merchant, _ = Merchant.objects.get_or_create(code="BULK", defaults={"name": "批量测试餐厅"})
    offset = Order.objects.count()
    orders = Order.objects.bulk_create(
        Order(
            number=f"BULK-{offset + i:06d}",
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
    assignees = [None, UserFactory(role=roles.AGENT)]
    return RefundRequest.objects.bulk_create(
        RefundRequest(
            order=order,
            customer=customer,
            reason="other",
            status=RefundStatus.PENDING_REVIEW,
            requested_amount=Decimal("30.00"),
            risk_level=("low", "medium", "high")[i % 3],
            assignee=assignees[i % 2],
            claim_expires_at=now + timedelta(minutes=10) if i % 2 else None,
            review_due_at=now + timedelta(minutes=30 + i),
            created_at=now - timedelta(hours=1),
            updated_at=now,
        )
        for i, order in enumerate(orders)
    )


def queue_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return len(queries)


def test_the_queue_runs_as_many_queries_for_10_000_requests_as_for_10(
    agent, frozen, django_assert_max_num_queries
):
    customer = veteran()
    client = browser_as(agent)
    bulk_pending(10, customer=customer, now=frozen)
    with django_assert_max_num_queries(8):
        assert len(row_ids(client.get(QUEUE).content.decode())) == 10
    few = queue_queries(client)
    bulk_pending(9_990, customer=customer, now=frozen)
    many = queue_queries(client)
    assert few == many
    assert len(row_ids(client.get(QUEUE).content.decode())) == 25


# --- One request --------------------------------------------------------------------


def test_the_request_page_shows_order_timelines_evidence_risk_and_history(agent, frozen):
    customer = veteran(username="xiaoming")
    earlier = [pending(customer) for _ in range(2)]
    services.refund_cancel(request=earlier[0], customer=customer)
    services.refund_decide(refund=earlier[1], agent=agent, decision="reject", note="不符合")
    refund = pending(customer, description="汤洒了一半")
    other = pending()
    photo = EvidenceFactory(owner=customer, request=refund)
    matched = EvidenceFactory(owner=other.customer, request=other)
    RefundRequest.objects.filter(pk=refund.pk).update(
        risk_score=100,
        risk_level="high",
        risk_flags=["duplicate_evidence", "frequent_refunder", "high_amount", "new_account"],
        risk_reasons={
            "duplicate_evidence": {"photo": photo.pk, "matches": [matched.pk]},
            "frequent_refunder": {"requests": 3, "days": 30},
            "high_amount": {"amount": "250.00", "above": "200.00"},
            "new_account": {"days_old": 2},
        },
    )

    response = browser_as(agent).get(page(refund.pk))

    assert response.status_code == 200
    html = response.content.decode()
    order = refund.order
    # The order: number, merchant, customer, items, fees, discounts, tenders.
    assert order.number in html and "老王川菜馆" in html and "xiaoming" in html
    assert re.search(r"宫保鸡丁|鱼香肉丝|麻婆豆腐|扬州炒饭|酸辣汤", html)
    assert "¥10.00" in html and "¥3.00" in html and "-¥10.00" in html and "¥24.00" in html
    assert "Coupon" in html and "Alipay" in html and "alipay:138****0001" in html
    # Both timelines.
    assert "data-delivery-timeline" in html and "Delivered" in html and "Promised by" in html
    assert "data-request-timeline" in html and "Pending review" in html
    # The breakdown and the description.
    assert "Discount share" in html and "汤洒了一半" in html
    # The photo, full size, from the authorized URL, with alt text.
    assert f'src="/api/v1/evidence/{photo.pk}/file/"' in html
    assert f'alt="Photo 1 sent with request #{refund.pk}"' in html
    # Risk flags, each with its reason in words.
    assert "High risk" in html and "score 100 of 100" in html
    assert "3 other requests in 30 days" in html
    assert "Account 2 days old" in html
    assert f"A photo matches request #{other.pk}&#x27;s" in html
    assert "¥250.00 requested, above ¥200.00" in html
    # The customer's history: the two earlier requests, with status and amount.
    history = html[html.index("data-history") :]
    assert f'href="/review/{earlier[0].pk}/"' in history and "Cancelled" in history
    assert f'href="/review/{earlier[1].pk}/"' in history and "Rejected" in history


def test_the_request_page_runs_a_fixed_number_of_queries(agent, frozen):
    customer = veteran()
    refund = pending(customer)
    client = browser_as(agent)
    with CaptureQueriesContext(connection) as before:
        client.get(page(refund.pk))
    bulk_pending(15, customer=customer, now=frozen)
    with CaptureQueriesContext(connection) as after:
        html = client.get(page(refund.pk)).content.decode()
    assert len(before) == len(after)
    assert html[html.index("data-history") :].count('href="/review/') == 10


# --- Claim and decide through the page ----------------------------------------------


def test_claim_then_approve_in_full(agent, frozen):
    refund = pending()
    client = browser_as(agent)

    claimed = client.post(page(refund.pk), {"action": "claim"})
    assert claimed.status_code == 302 and claimed["Location"] == page(refund.pk)
    refund.refresh_from_db()
    assert refund.assignee == agent
    assert refund.claim_expires_at == frozen + timedelta(minutes=15)
    html = client.get(page(refund.pk)).content.decode()
    until = timezone.localtime(frozen + timedelta(minutes=15)).strftime("%H:%M")
    assert f"You hold this request until {until}." in html
    assert "Renew my claim" in html

    decided = client.post(page(refund.pk), {"action": "approve_full", "amount": "24.00"})

    assert decided.status_code == 302 and decided["Location"] == QUEUE
    refund.refresh_from_db()
    assert (refund.status, refund.approved_amount) == (RefundStatus.APPROVED, Decimal("24.00"))
    queue = client.get(QUEUE).content.decode()
    assert refund.pk not in row_ids(queue)
    assert f"Request #{refund.pk} was approved: ¥24.00." in queue


def test_approve_in_full_ignores_the_partial_amount_box(agent, frozen):
    refund = pending()
    response = browser_as(agent).post(page(refund.pk), {"action": "approve_full", "amount": "x"})
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.approved_amount == Decimal("24.00")


def test_claiming_again_renews_the_claim(agent, frozen):
    refund = pending()
    client = browser_as(agent)
    client.post(page(refund.pk), {"action": "claim"})
    with clock.frozen_at(frozen + timedelta(minutes=10)):
        client.post(page(refund.pk), {"action": "claim"})
    refund.refresh_from_db()
    assert refund.claim_expires_at == frozen + timedelta(minutes=25)


def test_approve_part_with_a_note(agent, frozen):
    refund = pending()
    client = browser_as(agent)
    client.post(page(refund.pk), {"action": "claim"})

    response = client.post(
        page(refund.pk),
        {"action": "approve_partial", "amount": "10.00", "note": "部分餐品问题，按比例退款"},
    )

    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == RefundStatus.APPROVED
    assert refund.approved_amount == Decimal("10.00")
    assert refund.decision_note == "部分餐品问题，按比例退款"
    assert refund.decided_by == agent


def test_approve_part_without_a_note_shows_the_error(agent, frozen):
    refund = pending()
    client = browser_as(agent)

    response = client.post(page(refund.pk), {"action": "approve_partial", "amount": "10.00"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "A partial approval needs a note for the customer." in html
    assert 'value="10.00"' in html  # what was typed stays
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING_REVIEW


def test_approve_part_without_an_amount_asks_for_one(agent, frozen):
    refund = pending()
    response = browser_as(agent).post(
        page(refund.pk), {"action": "approve_partial", "amount": "", "note": "部分"}
    )
    assert response.status_code == 400
    assert "Enter the amount to approve." in response.content.decode()


def test_approving_more_than_requested_shows_the_error(agent, frozen):
    refund = pending()
    response = browser_as(agent).post(
        page(refund.pk), {"action": "approve_partial", "amount": "99.00", "note": "多退"}
    )
    assert response.status_code == 400
    assert "at most the requested ¥24.00" in response.content.decode()


def test_reject_without_a_note_shows_the_error_and_with_one_rejects(agent, frozen):
    refund = pending()
    client = browser_as(agent)

    response = client.post(page(refund.pk), {"action": "reject", "note": "  "})

    assert response.status_code == 400
    assert "A rejection needs a note for the customer." in response.content.decode()
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING_REVIEW

    rejected = client.post(page(refund.pk), {"action": "reject", "note": "超出退款时效"})
    assert rejected.status_code == 302
    refund.refresh_from_db()
    assert (refund.status, refund.decision_note) == (RefundStatus.REJECTED, "超出退款时效")


def test_a_common_note_is_used_when_the_note_is_left_empty(agent, frozen):
    """Without JavaScript the list of common notes still works."""
    refund = pending()
    response = browser_as(agent, language="zh-hans").post(
        page(refund.pk), {"action": "reject", "note_template": "window_closed", "note": ""}
    )
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REJECTED
    assert refund.decision_note == "超出退款时效"


def test_the_common_notes_are_offered_in_chinese(agent, frozen):
    refund = pending()
    html = browser_as(agent, language="zh-hans").get(page(refund.pk)).content.decode()
    for text in ("已核实图片，同意退款", "超出退款时效", "部分餐品问题，按比例退款"):
        assert text in html


def test_another_agents_live_claim_blocks_until_it_runs_out(agent, frozen):
    refund = pending()
    colleague = UserFactory(username="agent_zhao", role=roles.AGENT)
    browser_as(agent).post(page(refund.pk), {"action": "claim"})
    client = browser_as(colleague)

    html = client.get(page(refund.pk)).content.decode()
    assert "agent_li is working on this request until" in html
    assert re.search(r'value="approve_full"[^>]*disabled', html)

    claim = client.post(page(refund.pk), {"action": "claim"})
    assert claim.status_code == 409
    assert "agent_li is working on this request." in claim.content.decode()
    decide = client.post(page(refund.pk), {"action": "approve_full"})
    assert decide.status_code == 409
    assert "Another agent holds this request" in decide.content.decode()
    refund.refresh_from_db()
    assert (refund.status, refund.assignee) == (RefundStatus.PENDING_REVIEW, agent)

    with clock.frozen_at(frozen + timedelta(minutes=16)):
        stale = client.get(page(refund.pk)).content.decode()
        assert "claim ran out" in stale and "Take over" in stale
        assert client.post(page(refund.pk), {"action": "claim"}).status_code == 302
    refund.refresh_from_db()
    assert refund.assignee == colleague


def test_a_decided_request_cannot_be_decided_again(agent, frozen):
    refund = pending()
    client = browser_as(agent)
    client.post(page(refund.pk), {"action": "reject", "note": "不符合"})
    response = client.post(page(refund.pk), {"action": "approve_full"})
    assert response.status_code == 409
    assert "Only a request under review can be decided." in response.content.decode()
    html = client.get(page(refund.pk)).content.decode()
    assert "no longer waiting for review" in html
    assert 'value="approve_full"' not in html


def test_a_decided_request_quotes_the_agents_note_under_the_decision(agent, frozen):
    refund = pending()
    client = browser_as(agent)
    client.post(page(refund.pk), {"action": "reject", "note": "照片看不出问题"})

    html = client.get(page(refund.pk)).content.decode()

    decision = html[html.index('id="decide"') : html.index("</section>", html.index('id="decide"'))]
    assert "Decided: Rejected." in decision
    assert '<p class="quote">照片看不出问题</p>' in decision


def test_staff_land_on_their_work_after_logging_in():
    for role, where in ((roles.AGENT, "/review/"), (roles.SENIOR_AGENT, "/review/")):
        response = browser_as(UserFactory(role=role)).get("/")
        assert (response.status_code, response["Location"]) == (302, where)
    response = browser_as(UserFactory(role=roles.FINANCE)).get("/")
    assert (response.status_code, response["Location"]) == (302, "/finance/payouts/")


def test_the_header_links_reviewers_to_the_queue(agent):
    html = browser_as(agent).get(QUEUE).content.decode()
    assert 'href="/review/"' in html
    assert 'href="/finance/payouts/"' not in html


def test_the_risk_panel_says_when_lateness_was_already_compensated(agent, frozen):
    customer = veteran()
    order = create_order_at(
        customer=customer,
        status="delivered",
        promised_at=frozen - timedelta(minutes=100),
        delivered_at=frozen - timedelta(minutes=55),
    )
    late = services.refund_file(
        customer=customer, order_number=order.number, reason="late_delivery"
    ).request
    assert late.status == RefundStatus.APPROVED
    later = services.refund_file(
        customer=customer, order_number=order.number, reason="other"
    ).request

    html = browser_as(agent).get(page(later.pk)).content.decode()
    chinese = browser_as(agent, "zh-hans").get(page(later.pk)).content.decode()

    panel = html[html.index("data-risk") : html.index("</section>", html.index("data-risk"))]
    assert f'data-compensated="{late.pk}"' in panel
    assert "Already compensated" in panel
    assert f"request #{late.pk} (¥12.00)" in panel
    assert "已补偿过" in chinese
    # The lateness request itself shows no such line.
    assert "data-compensated" not in browser_as(agent).get(page(late.pk)).content.decode()
