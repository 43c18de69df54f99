"""The merchant's stage (SPEC 12): a request on the food, or a change of
mind before pickup, goes to the order's merchant first; the merchant
approves (in full or in part) or refuses; silence approves (rule M1)
unless a risk flag holds it; and every approval records who bears it."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from accounts import roles
from notifications.models import Notification
from orders.services import order_event_add
from refundportal import clock
from refunds import services
from refunds.models import RefundPolicy, RefundRequest
from tests.conftest import client_as
from tests.factories import UserFactory, create_order_at

from .support import delivered_order, english, file_refund, old_customer, refund_url, upload_id

pytestmark = pytest.mark.django_db

MERCHANT_REFUNDS = "/api/v1/merchant/refunds/"


@pytest.fixture
def alice(now: Any) -> Any:
    return old_customer()


@pytest.fixture
def client(alice: Any) -> Any:
    return english(client_as(alice))


@pytest.fixture
def laowang(now: Any) -> Any:
    """The user of 老王川菜馆 (M001, the factories' merchant)."""
    from orders.models import Merchant

    user = UserFactory(role=roles.MERCHANT)
    merchant, _created = Merchant.objects.get_or_create(
        code="M001", defaults={"name": "老王川菜馆"}
    )
    merchant.members.add(user)
    return user


@pytest.fixture
def merchant_client(laowang: Any) -> Any:
    return english(client_as(laowang))


def changed_mind(client: Any, customer: Any, now: Any) -> dict[str, Any]:
    """A change of mind while the food is prepared (rule R13)."""
    order = create_order_at(
        customer=customer, status="accepted", promised_at=now + timedelta(minutes=30)
    )
    response = file_refund(client, order, reason="changed_mind")
    assert response.status_code == 201, response.content
    return response.json()


def damaged(client: Any, customer: Any, now: Any) -> dict[str, Any]:
    """A photo of spilled soup, above what is approved at once (rule R12)."""
    policy = RefundPolicy.current()
    policy.auto_approve_limit = Decimal("10.00")
    policy.save()
    order = delivered_order(customer, now)
    photo = upload_id(client)
    response = file_refund(client, order, reason="damaged", evidence=[photo])
    assert response.status_code == 201, response.content
    return response.json()


def answer(merchant_client: Any, refund_id: int, **body: Any) -> Any:
    return merchant_client.post(refund_url(refund_id, "merchant-response"), body, format="json")


def test_the_food_goes_to_the_merchant_first_with_a_due_time(
    client: Any, alice: Any, now: Any, laowang: Any
) -> None:
    body = damaged(client, alice, now)
    assert body["status"] == "awaiting_merchant"
    assert "merchant answers first" in body["decision"]["note"]
    refund = RefundRequest.objects.get(pk=body["id"])
    assert refund.merchant_due_at == now + timedelta(minutes=30)
    assert Notification.objects.filter(user=laowang, event="merchant_request").count() == 1


def test_a_merchant_nobody_answers_for_stays_with_the_platform(
    client: Any, alice: Any, now: Any
) -> None:
    assert changed_mind(client, alice, now)["status"] == "pending_review"


def test_the_merchant_approves_in_full_and_the_money_goes_back(
    client: Any, alice: Any, now: Any, merchant_client: Any
) -> None:
    body = changed_mind(client, alice, now)
    assert body["status"] == "awaiting_merchant"
    response = answer(merchant_client, body["id"], decision="approve")
    assert response.status_code == 200, response.content
    shown = response.json()
    assert shown["status"] in ("approved", "refunded")
    assert shown["decision"]["source"] == "merchant"
    assert "risk" not in shown and "liability" not in shown
    refund = RefundRequest.objects.get(pk=body["id"])
    assert refund.liability == "merchant"
    assert refund.approved_amount == refund.requested_amount
    assert sum(p.amount for p in refund.payouts.all()) == refund.requested_amount


def test_a_partial_approval_needs_a_note_and_pays_the_part(
    client: Any, alice: Any, now: Any, merchant_client: Any
) -> None:
    body = changed_mind(client, alice, now)
    refused = answer(merchant_client, body["id"], decision="approve", amount="10.00")
    assert refused.status_code == 400
    assert "note" in refused.json()["fields"]
    too_much = answer(merchant_client, body["id"], decision="approve", amount="999.00", note="x")
    assert too_much.status_code == 400
    assert "amount" in too_much.json()["fields"]
    response = answer(
        merchant_client, body["id"], decision="approve", amount="10.00", note="已经在做了，退一半"
    )
    assert response.status_code == 200, response.content
    refund = RefundRequest.objects.get(pk=body["id"])
    assert refund.approved_amount == Decimal("10.00")
    assert response.json()["decision"]["note"] == "已经在做了，退一半"


def test_a_refusal_needs_a_note_and_goes_to_the_agents(
    client: Any, alice: Any, now: Any, merchant_client: Any, as_role: Any
) -> None:
    agent = UserFactory(role=roles.AGENT)
    body = changed_mind(client, alice, now)
    without = answer(merchant_client, body["id"], decision="refuse")
    assert without.status_code == 400
    assert "note" in without.json()["fields"]
    response = answer(merchant_client, body["id"], decision="refuse", note="菜已经出锅了")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending_review"
    refund = RefundRequest.objects.get(pk=body["id"])
    assert (refund.merchant_decision, refund.merchant_note) == ("refuse", "菜已经出锅了")
    assert Notification.objects.filter(user=agent, event="merchant_refused").count() == 1
    queue = as_role(roles.AGENT).get("/api/v1/review-queue/").json()
    assert [row["id"] for row in queue["results"]] == [body["id"]]


def test_answering_twice_or_after_the_due_time_is_a_conflict(
    client: Any, alice: Any, now: Any, merchant_client: Any
) -> None:
    first = changed_mind(client, alice, now)
    assert answer(merchant_client, first["id"], decision="refuse", note="不行").status_code == 200
    again = answer(merchant_client, first["id"], decision="approve")
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    bob = old_customer()
    late = changed_mind(client_as(bob), bob, now)
    with clock.frozen_at(now + timedelta(minutes=31)):
        response = answer(merchant_client, late["id"], decision="approve")
    assert response.status_code == 409


def test_silence_approves_in_full_under_rule_m1(
    client: Any, alice: Any, now: Any, laowang: Any
) -> None:
    body = changed_mind(client, alice, now)
    assert services.refund_merchant_timeouts(now + timedelta(minutes=29)) == {
        "approved": 0,
        "held": 0,
    }
    assert services.refund_merchant_timeouts(now + timedelta(minutes=30)) == {
        "approved": 1,
        "held": 0,
    }
    assert services.refund_merchant_timeouts(now + timedelta(minutes=30)) == {
        "approved": 0,
        "held": 0,
    }
    refund = RefundRequest.objects.get(pk=body["id"])
    assert refund.status in ("approved", "refunded")
    assert (refund.decision_source, refund.decision_rule, refund.liability) == (
        "auto",
        "M1",
        "merchant",
    )
    shown = client.get(refund_url(body["id"])).json()
    assert shown["decision"]["note"] == "The merchant did not answer in time: approved in full."


def test_silence_with_a_risk_flag_goes_to_the_agents(now: Any, laowang: Any) -> None:
    newcomer = UserFactory(role=roles.CUSTOMER, date_joined=now - timedelta(days=1))
    body = changed_mind(client_as(newcomer), newcomer, now)
    assert body["status"] == "awaiting_merchant"
    assert services.refund_merchant_timeouts(now + timedelta(minutes=30)) == {
        "approved": 0,
        "held": 1,
    }
    assert RefundRequest.objects.get(pk=body["id"]).status == "pending_review"


def test_another_merchant_cannot_answer_or_read(
    client: Any, alice: Any, now: Any, laowang: Any
) -> None:
    from orders.models import Merchant

    body = changed_mind(client, alice, now)
    other = UserFactory(role=roles.MERCHANT)
    Merchant.objects.create(code="M999", name="别家").members.add(other)
    stranger = client_as(other)
    assert answer(stranger, body["id"], decision="approve").status_code == 404
    assert stranger.get(refund_url(body["id"])).status_code == 404
    assert stranger.get(refund_url(body["id"], "messages")).status_code == 404
    assert stranger.get(MERCHANT_REFUNDS).json()["count"] == 0
    assert RefundRequest.objects.get(pk=body["id"]).status == "awaiting_merchant"


def test_a_merchant_user_without_a_merchant_is_told_why(now: Any) -> None:
    lonely = english(client_as(UserFactory(role=roles.MERCHANT)))
    response = lonely.get(MERCHANT_REFUNDS)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "no merchant" in response.json()["detail"]


def test_the_merchant_list_puts_waiting_requests_first_by_due_time(
    now: Any, merchant_client: Any, laowang: Any
) -> None:
    ids = []
    for minutes in (0, 5):
        customer = old_customer()
        with clock.frozen_at(now + timedelta(minutes=minutes)):
            ids.append(changed_mind(client_as(customer), customer, clock.now())["id"])
    decided = ids[0]
    with clock.frozen_at(now + timedelta(minutes=6)):
        answer(merchant_client, decided, decision="refuse", note="不行")
        customer = old_customer()
        ids.append(changed_mind(client_as(customer), customer, clock.now())["id"])
    rows = merchant_client.get(MERCHANT_REFUNDS).json()["results"]
    assert [row["id"] for row in rows] == [ids[1], ids[2], decided]
    assert all("risk" not in row for row in rows)


def test_the_customer_may_nudge_and_cancel_while_the_merchant_decides(
    client: Any, alice: Any, now: Any, laowang: Any
) -> None:
    body = changed_mind(client, alice, now)
    assert client.post(refund_url(body["id"], "nudge")).status_code == 200
    assert Notification.objects.filter(user=laowang, event="refund_nudged").count() == 1
    assert client.post(refund_url(body["id"], "cancel")).json()["status"] == "cancelled"


def test_the_merchant_talks_with_the_customer(
    client: Any, alice: Any, now: Any, merchant_client: Any
) -> None:
    body = changed_mind(client, alice, now)
    sent = merchant_client.post(
        refund_url(body["id"], "messages"), {"body": "请问还需要吗？"}, format="json"
    )
    assert sent.status_code == 201, sent.content
    assert sent.json()["author_role"] == "merchant"
    assert Notification.objects.filter(user=alice, event="refund_merchant_message").count() == 1
    asks = merchant_client.post(
        refund_url(body["id"], "messages"),
        {"body": "等等", "awaiting_customer": True},
        format="json",
    )
    assert asks.status_code == 400


@pytest.mark.parametrize(
    ("reason", "status", "liability"),
    [("late_delivery", "delivered", "courier"), ("not_delivered", "placed", "platform")],
)
def test_automatic_approvals_record_who_bears_them(
    client: Any, alice: Any, now: Any, reason: str, status: str, liability: str
) -> None:
    if status == "delivered":
        order = delivered_order(alice, now, late=timedelta(minutes=70))
    else:
        order = create_order_at(
            customer=alice, status="placed", promised_at=now + timedelta(minutes=30)
        )
    body = file_refund(client, order, reason=reason).json()
    assert body["status"] in ("approved", "refunded"), body
    assert RefundRequest.objects.get(pk=body["id"]).liability == liability


def test_an_agent_may_name_another_bearer_with_a_note(
    client: Any, alice: Any, now: Any, as_role: Any
) -> None:
    order = delivered_order(alice, now)
    body = file_refund(client, order, reason="other").json()
    agent = as_role(roles.AGENT)
    url = refund_url(body["id"], "decide")
    bare = agent.post(url, {"decision": "approve", "liability": "courier"}, format="json")
    assert bare.status_code == 400
    assert "note" in bare.json()["fields"]
    noted = agent.post(
        url, {"decision": "approve", "liability": "courier", "note": "骑手承认送错"}, format="json"
    )
    assert noted.status_code == 200, noted.content
    assert noted.json()["liability"] == "courier"


def test_a_placed_order_cancel_by_event_is_the_platforms(now: Any, alice: Any) -> None:
    order = create_order_at(
        customer=alice, status="placed", promised_at=now + timedelta(minutes=30)
    )
    order_event_add(order=order, status="cancelled", at=now)
    refund = RefundRequest.objects.get(order=order)
    assert (refund.decision_rule, refund.liability) == ("R5", "platform")


def test_a_merchant_user_cannot_answer_their_own_request(now: Any, laowang: Any) -> None:
    from django.contrib.auth.models import Group

    laowang.groups.add(Group.objects.get(name=roles.CUSTOMER))
    laowang.date_joined = now - timedelta(days=60)
    laowang.save()
    own = client_as(laowang)
    body = changed_mind(own, laowang, now)
    assert body["status"] == "awaiting_merchant"
    response = answer(own, body["id"], decision="approve")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert RefundRequest.objects.get(pk=body["id"]).status == "awaiting_merchant"
