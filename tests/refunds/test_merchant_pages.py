"""The merchant's pages (/merchant/): the requests on a restaurant's
orders, those waiting for its answer first with the time left; one request
with its dishes, the customer's words and photos and the conversation; the
answer (approve in full, in part, or refuse with a note). And where the
merchant's stage shows on the customer's page and the agent's."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import roles
from orders.models import Merchant
from refundportal import clock
from refunds import services
from refunds.models import Liability, RefundPolicy, RefundRequest
from refunds.states import RefundStatus
from tests.factories import UserFactory, create_order_at

from .support import delivered_order, old_customer
from .test_pages import browser_as, file_request, stored_photo, text

pytestmark = pytest.mark.django_db

LIST = "/merchant/"


def page(refund: RefundRequest) -> str:
    return f"/merchant/refunds/{refund.pk}/"


def merchant_user(code: str = "M001", name: str = "老王川菜馆") -> Any:
    user = UserFactory(role=roles.MERCHANT)
    merchant, _created = Merchant.objects.get_or_create(code=code, defaults={"name": name})
    merchant.members.add(user)
    return user


@pytest.fixture
def laowang(now: datetime) -> Any:
    """Staff of 老王川菜馆 (M001, the factories' merchant)."""
    return merchant_user()


@pytest.fixture
def client(laowang: Any) -> Client:
    return browser_as(laowang, "en")


def changed_mind(customer: Any, **order: Any) -> RefundRequest:
    """A change of mind while the food is cooked (rule R13): the merchant answers first."""
    placed = create_order_at(
        customer=customer,
        status="accepted",
        promised_at=clock.now() + timedelta(minutes=30),
        **order,
    )
    refund = file_request(customer, placed, reason="changed_mind", description="临时有事，吃不了了")
    assert refund.status == RefundStatus.AWAITING_MERCHANT
    return refund


def damaged(customer: Any) -> RefundRequest:
    """Spilled soup with a photo, above what is approved at once (rule R12)."""
    policy = RefundPolicy.current()
    policy.auto_approve_limit = Decimal("10.00")
    policy.save()
    photo = stored_photo(customer)
    refund = file_request(
        customer,
        delivered_order(customer, clock.now()),
        reason="damaged",
        description="汤洒了一半",
        evidence_ids=[photo.pk],
    )
    assert refund.status == RefundStatus.AWAITING_MERCHANT
    return refund


def row_ids(response: Any, section: str = "") -> list[int]:
    html = response.content.decode()
    if section:
        found = re.search(rf'data-testid="{section}".*?</ol>', html, flags=re.S)
        html = found.group(0) if found else ""
    return [
        int(pk) for pk in re.findall(r'data-testid="merchant-row" data-refund-id="(\d+)"', html)
    ]


def china_iso(at: datetime) -> str:
    return timezone.localtime(at).isoformat(timespec="seconds")


def answer(client: Client, refund: RefundRequest, **form: Any) -> Any:
    return client.post(page(refund), form)


def reload(refund: RefundRequest) -> RefundRequest:
    return RefundRequest.objects.get(pk=refund.pk)


# --- The list ---------------------------------------------------------------------


def test_waiting_requests_come_first_soonest_due_with_their_countdown(
    client: Client, laowang: Any, now: datetime
) -> None:
    customer = old_customer()
    with clock.frozen_at(now - timedelta(minutes=20)):
        answered = changed_mind(customer)
        services.refund_merchant_respond(refund=answered, merchant_user=laowang, decision="approve")
    with clock.frozen_at(now - timedelta(minutes=5)):
        later = changed_mind(customer)
    with clock.frozen_at(now - timedelta(minutes=10)):
        sooner = changed_mind(customer)

    response = client.get(LIST)
    assert response.status_code == 200
    assert row_ids(response) == [sooner.pk, later.pk, answered.pk]
    assert row_ids(response, "merchant-waiting") == [sooner.pk, later.pk]
    assert row_ids(response, "merchant-answered") == [answered.pk]
    html = response.content.decode()
    due = china_iso(sooner.merchant_due_at)
    assert f'data-due-at="{due}"' in html
    assert "0:20:00 left" in text(response)  # due 30 minutes after filing, 10 ago
    assert "0:25:00 left" in text(response)
    assert "You approved" in text(response)
    assert f'data-now="{china_iso(now)}"' in html  # the script counts from the server's clock


def test_a_restaurant_with_no_requests_sees_the_empty_state(client: Client) -> None:
    response = client.get(LIST)
    assert response.status_code == 200
    assert 'data-testid="merchant-empty"' in response.content.decode()
    assert "No refund requests" in text(response)


def test_another_restaurants_requests_are_not_listed(client: Client, now: datetime) -> None:
    merchant_user("M002", "兰州拉面")
    theirs = changed_mind(old_customer(), merchant={"code": "M002", "name": "兰州拉面"})
    mine = changed_mind(old_customer())
    assert row_ids(client.get(LIST)) == [mine.pk]
    assert client.get(page(theirs)).status_code == 404
    assert answer(client, theirs, action="approve_full").status_code == 404
    assert reload(theirs).status == RefundStatus.AWAITING_MERCHANT


def list_queries(client: Client, captured: Any) -> int:
    with captured as queries:
        assert client.get(LIST).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_runs_a_fixed_number_of_queries(
    client: Client, rows: int, django_assert_max_num_queries: Any
) -> None:
    customer = old_customer()
    for _ in range(rows):
        changed_mind(customer)
    with django_assert_max_num_queries(9):
        response = client.get(LIST)
    assert len(row_ids(response)) == min(rows, 25)


def test_the_query_count_does_not_grow_with_the_rows(client: Client) -> None:
    customer = old_customer()
    for _ in range(3):
        changed_mind(customer)
    few = list_queries(client, CaptureQueriesContext(connection))
    for _ in range(27):
        changed_mind(customer)
    many = list_queries(client, CaptureQueriesContext(connection))
    assert few == many


# --- Who may open them ------------------------------------------------------------


@pytest.mark.parametrize("role", [roles.CUSTOMER, roles.AGENT, roles.FINANCE, roles.MANAGER])
def test_other_roles_get_the_403_page(laowang: Any, role: str) -> None:
    refund = changed_mind(old_customer())
    client = browser_as(UserFactory(role=role), "en")
    assert client.get(LIST).status_code == 403
    assert client.get(page(refund)).status_code == 403


def test_a_merchant_user_not_linked_to_a_restaurant_is_told_to_ask_the_platform(
    laowang: Any,
) -> None:
    refund = changed_mind(old_customer())
    client = browser_as(UserFactory(role=roles.MERCHANT), "en")
    response = client.get(LIST)
    assert response.status_code == 403
    assert "Ask the platform to link your account to your restaurant" in text(response)
    assert client.get(page(refund)).status_code == 403


def test_a_visitor_is_sent_to_log_in(now: datetime) -> None:
    response = Client().get(LIST)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_merchant_user_lands_on_the_list_and_the_header_links_it(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == LIST
    html = client.get(LIST).content.decode()
    assert 'href="/merchant/"' in html
    assert "Refund requests" in html


# --- One request ------------------------------------------------------------------


def test_the_request_page_shows_the_dishes_words_photos_and_countdown(
    client: Client, now: datetime
) -> None:
    customer = old_customer()
    refund = damaged(customer)
    response = client.get(page(refund))
    assert response.status_code == 200
    html = response.content.decode()
    shown = text(response)
    assert "汤洒了一半" in shown
    assert "How the amount is made up" in shown
    assert html.count('data-line="') == refund.items.count()
    photo = refund.evidence.get()
    assert f'href="/api/v1/evidence/{photo.pk}/file/"' in html
    assert client.get(f"/api/v1/evidence/{photo.pk}/file/").status_code == 200
    assert 'data-testid="merchant-countdown"' in html
    assert "0:30:00 left" in shown
    assert 'data-testid="answer-form"' in html
    # Picking a common answer fills the note: the list is translated text.
    assert "The dishes were already cooked and cannot be cancelled." in shown


def test_the_request_page_never_shows_the_customers_account_risk_or_staff_notes(
    client: Client, now: datetime
) -> None:
    customer = old_customer(username="zhangsan_13800138000")
    refund = damaged(customer)
    agent = UserFactory(role=roles.AGENT)
    services.refund_note_add(refund=refund, author=agent, note="疑似惯犯，注意核实", internal=True)
    other = file_request(customer, delivered_order(customer, now), reason="other")
    response = client.get(page(refund))
    shown = text(response)
    assert "zhangsan_13800138000" not in shown
    assert "疑似惯犯" not in shown
    assert "Risk" not in shown
    assert f"#{other.pk}" not in shown


def test_approve_in_full_pays_and_goes_back_to_the_list(
    client: Client, laowang: Any, now: datetime
) -> None:
    refund = changed_mind(old_customer())
    response = answer(client, refund, action="approve_full")
    assert response.status_code == 302
    assert response["Location"] == LIST
    refund = reload(refund)
    assert refund.status == RefundStatus.APPROVED
    assert refund.approved_amount == refund.requested_amount
    assert refund.merchant_decision == "approve"
    assert refund.merchant_answered_by == laowang
    assert refund.liability == Liability.MERCHANT
    followed = client.get(LIST)
    assert f"Request #{refund.pk} approved" in text(followed)
    assert row_ids(followed, "merchant-answered") == [refund.pk]


def test_approve_a_part_with_an_amount_and_a_note(client: Client, now: datetime) -> None:
    refund = changed_mind(old_customer())
    part = (refund.requested_amount / 2).quantize(Decimal("0.01"))
    response = answer(
        client, refund, action="approve_partial", amount=str(part), note="只退未出锅的菜品"
    )
    assert response.status_code == 302
    refund = reload(refund)
    assert refund.status == RefundStatus.APPROVED
    assert refund.approved_amount == part
    assert refund.merchant_note == "只退未出锅的菜品"


def test_refuse_with_a_common_answer_sends_it_to_customer_service(
    client: Client, now: datetime
) -> None:
    refund = changed_mind(old_customer())
    response = answer(client, refund, action="refuse", note_template="already_cooked")
    assert response.status_code == 302
    refund = reload(refund)
    assert refund.status == RefundStatus.PENDING_REVIEW
    assert refund.merchant_decision == "refuse"
    assert refund.merchant_note == "The dishes were already cooked and cannot be cancelled."
    assert "customer service decides" in text(client.get(LIST))


def test_a_refusal_without_a_note_comes_back_with_the_error(client: Client, now: datetime) -> None:
    refund = changed_mind(old_customer())
    response = answer(client, refund, action="refuse", note="   ")
    assert response.status_code == 400
    assert "A refusal needs a note" in text(response)
    assert reload(refund).status == RefundStatus.AWAITING_MERCHANT


def test_a_wrong_amount_comes_back_with_what_was_typed(client: Client, now: datetime) -> None:
    refund = changed_mind(old_customer())
    too_much = refund.requested_amount + Decimal("5.00")
    response = answer(
        client, refund, action="approve_partial", amount=str(too_much), note="多退一点"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'value="{too_much}"' in html
    assert ">多退一点</textarea>" in html
    assert 'id="answer-amount-error"' in html
    no_amount = answer(client, refund, action="approve_partial", note="部分退款")
    assert no_amount.status_code == 400
    assert "Enter the amount to refund." in text(no_amount)
    assert ">部分退款</textarea>" in no_amount.content.decode()
    assert reload(refund).status == RefundStatus.AWAITING_MERCHANT


def test_answering_twice_is_a_conflict_shown_on_the_page(
    client: Client, laowang: Any, now: datetime
) -> None:
    refund = changed_mind(old_customer())
    services.refund_merchant_respond(refund=refund, merchant_user=laowang, decision="approve")
    response = answer(client, refund, action="refuse", note="已出锅")
    assert response.status_code == 409
    assert 'data-error-code="conflict"' in response.content.decode()
    assert 'data-testid="answer-form"' not in response.content.decode()
    assert reload(refund).status == RefundStatus.APPROVED


def test_answering_after_the_due_time_is_a_conflict(client: Client, now: datetime) -> None:
    with clock.frozen_at(now - timedelta(minutes=31)):
        refund = changed_mind(old_customer())
    response = answer(client, refund, action="approve_full")
    assert response.status_code == 409
    assert "The time to answer has passed" in text(response)


def test_the_merchant_writes_in_the_conversation(client: Client, now: datetime) -> None:
    refund = changed_mind(old_customer())
    response = client.post(f"{page(refund)}messages/", {"body": "您好，菜已经在做了。"})
    assert response.status_code == 302
    message = refund.messages.get()
    assert message.author_role == roles.MERCHANT
    shown = client.get(page(refund))
    assert "您好，菜已经在做了。" in text(shown)
    assert 'data-author-role="merchant"' in shown.content.decode()
    empty = client.post(f"{page(refund)}messages/", {"body": ""})
    assert empty.status_code == 400
    assert "Write a message." in text(empty)


# --- The customer's page and the agent's --------------------------------------------


def test_the_customer_reads_that_the_restaurant_answers_first_and_by_when(now: datetime) -> None:
    customer = old_customer()
    merchant_user()
    refund = changed_mind(customer)
    response = browser_as(customer, "en").get(f"/refunds/{refund.pk}/")
    html = response.content.decode()
    assert 'data-testid="merchant-stage"' in html
    due = timezone.localtime(refund.merchant_due_at).strftime("%Y-%m-%d %H:%M")
    assert f"Its answer is due by {due} (China Standard Time)." in text(response)
    assert "approved in full" in text(response)
    assert 'class="status status-awaiting_merchant"' in html


def test_the_agent_reads_the_merchants_refusal_first_and_may_change_who_bears_it(
    laowang: Any, now: datetime
) -> None:
    refund = changed_mind(old_customer())
    services.refund_merchant_respond(
        refund=refund, merchant_user=laowang, decision="refuse", note="菜品已出锅无法取消"
    )
    agent = UserFactory(role=roles.AGENT)
    client = browser_as(agent, "en")
    html = client.get(f"/review/{refund.pk}/").content.decode()
    refusal = html.index('data-testid="merchant-refusal"')
    assert refusal < html.index('class="review-layout"')
    assert "菜品已出锅无法取消" in html[refusal:]
    assert laowang.username in html[refusal : html.index('class="review-layout"')]

    without_note = client.post(
        f"/review/{refund.pk}/", {"action": "approve_full", "liability": Liability.COURIER}
    )
    assert without_note.status_code == 400
    assert reload(refund).status == RefundStatus.PENDING_REVIEW
    response = client.post(
        f"/review/{refund.pk}/",
        {"action": "approve_full", "liability": Liability.MERCHANT, "note": "商家未出餐，应退款"},
    )
    assert response.status_code == 302
    refund = reload(refund)
    assert refund.status == RefundStatus.APPROVED
    assert refund.liability == Liability.MERCHANT
    decided = client.get(f"/review/{refund.pk}/").content.decode()
    assert 'data-liability="merchant"' in decided
