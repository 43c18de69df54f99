"""SPEC 2, step 7: a partial approval, once its approved part is refunded,
may be appealed once. Only the difference can be added, only a senior agent
other than the one who decided it decides, and what was paid is never paid
again."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from payouts.models import Payout
from refunds import services
from refunds.models import RefundRequest
from refunds.services import payout_attempt
from tests.conftest import client_as
from tests.factories import UserFactory

from .support import delivered_order, english, file_refund, old_customer, refund_url

pytestmark = pytest.mark.django_db


def settle_payouts(refund_id: int) -> None:
    for payout in Payout.objects.filter(refund_id=refund_id, status="pending"):
        assert payout_attempt(payout_id=payout.pk).outcome == "succeeded"


def paid_total(refund_id: int) -> Decimal:
    return sum(
        Payout.objects.filter(refund_id=refund_id, status="succeeded").values_list(
            "amount", flat=True
        ),
        Decimal("0.00"),
    )


@pytest.fixture
def decider(db: Any) -> Any:
    return UserFactory(role="senior_agent")


@pytest.fixture
def partial(now: Any, decider: Any) -> dict[str, Any]:
    """24.00 asked, 10.00 approved by a senior agent with a note, and paid."""
    customer = old_customer()
    client = english(client_as(customer))
    filed = file_refund(client, delivered_order(customer, now), reason="other").json()
    services.refund_decide(
        refund=RefundRequest.objects.get(pk=filed["id"]),
        agent=decider,
        decision="approve",
        amount=Decimal("10.00"),
        note="只有一份菜有问题",
    )
    settle_payouts(filed["id"])
    body = client.get(refund_url(filed["id"])).json()
    assert body["status"] == "refunded"
    assert body["can_appeal"] is True
    return {"id": filed["id"], "client": client, "customer": customer}


def appeal(partial: dict[str, Any]) -> Any:
    return partial["client"].post(
        refund_url(partial["id"], "appeal"), {"reason": "两份菜都坏了"}, format="json"
    )


def decide(agent: Any, refund_id: int, **body: Any) -> Any:
    return client_as(agent).post(refund_url(refund_id, "decide"), body, format="json")


def test_a_paid_partial_approval_can_be_appealed_once(partial):
    response = appeal(partial)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "pending_review"
    assert body["sla"]["escalated"] is True
    assert body["approved_amount"] == "10.00"  # what was paid stays paid
    assert body["can_appeal"] is False
    again = appeal(partial)
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"


def test_approving_the_appeal_pays_only_the_difference(partial, decider):
    appeal(partial)
    other_senior = UserFactory(role="senior_agent")

    response = decide(other_senior, partial["id"], decision="approve")

    assert response.status_code == 200, response.content
    assert response.json()["approved_amount"] == "24.00"
    new = Payout.objects.filter(refund_id=partial["id"], status="pending")
    assert sum(p.amount for p in new) == Decimal("14.00")
    settle_payouts(partial["id"])
    body = partial["client"].get(refund_url(partial["id"])).json()
    assert body["status"] == "refunded"
    assert paid_total(partial["id"]) == Decimal("24.00")
    keys = list(Payout.objects.filter(refund_id=partial["id"]).values_list("idempotency_key"))
    assert len(keys) == len(set(keys))
    assert sum(Decimal(line["approved"]) for line in body["breakdown"]) == Decimal("24.00")


def test_rejecting_the_appeal_returns_the_request_to_refunded(partial):
    appeal(partial)
    other_senior = UserFactory(role="senior_agent")

    response = decide(other_senior, partial["id"], decision="reject", note="维持原判")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "refunded"
    assert body["approved_amount"] == "10.00"
    assert body["decision"]["note"] == "维持原判"
    assert paid_total(partial["id"]) == Decimal("10.00")
    assert not Payout.objects.filter(refund_id=partial["id"], status="pending").exists()


def test_an_appeal_can_only_add(partial):
    appeal(partial)
    other_senior = UserFactory(role="senior_agent")

    for amount in ("10.00", "9.99", "24.01"):
        response = decide(other_senior, partial["id"], decision="approve", amount=amount, note="x")
        assert response.status_code == 400, amount
        assert response.json()["code"] == "validation_error"
    assert paid_total(partial["id"]) == Decimal("10.00")


def test_only_another_senior_agent_decides_the_appeal(partial, decider):
    appeal(partial)

    by_agent = decide(UserFactory(role="agent"), partial["id"], decision="approve")
    by_decider = decide(decider, partial["id"], decision="approve")

    assert by_agent.status_code == 403
    assert by_decider.status_code == 403
    assert paid_total(partial["id"]) == Decimal("10.00")


def test_a_partial_approval_not_yet_paid_cannot_be_appealed(now, decider):
    customer = old_customer()
    client = client_as(customer)
    filed = file_refund(client, delivered_order(customer, now), reason="other").json()
    services.refund_decide(
        refund=RefundRequest.objects.get(pk=filed["id"]),
        agent=decider,
        decision="approve",
        amount=Decimal("10.00"),
        note="部分",
    )

    response = client.post(refund_url(filed["id"], "appeal"), {"reason": "不服"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_a_lateness_tier_paid_in_full_by_rule_cannot_be_appealed(now, decider):
    customer = old_customer()
    client = client_as(customer)
    late = file_refund(
        client, delivered_order(customer, now, late=timedelta(minutes=45)), reason="late_delivery"
    ).json()
    settle_payouts(late["id"])
    assert client.get(refund_url(late["id"])).json()["status"] == "refunded"

    response = client.post(refund_url(late["id"], "appeal"), {"reason": "不服"}, format="json")

    assert response.status_code == 409


def test_the_request_page_offers_the_appeal_and_says_what_is_kept(partial):
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(partial["customer"])

    html = browser.get(f"/refunds/{partial['id']}/").content.decode()

    assert f"/refunds/{partial['id']}/appeal/" in html
    assert "已退还的 ¥10.00 不会收回" in html
