"""Charges on a merchant's statement, made through the services the portal
runs: a photo of damaged food goes to the merchant, who approves it (in
full or in part), or refuses it for an agent to approve in part."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from accounts import roles
from orders.models import Merchant
from payouts.models import Payout
from payouts.states import PayoutStatus
from refundportal import clock
from refunds import services
from refunds.models import RefundPolicy, RefundRequest
from tests.conftest import client_as
from tests.factories import UserFactory

from .support import delivered_order, english, file_refund, upload_id


def merchant_user(code: str = "M001", name: str = "老王川菜馆") -> Any:
    user = UserFactory(role=roles.MERCHANT)
    merchant, _created = Merchant.objects.get_or_create(code=code, defaults={"name": name})
    merchant.members.add(user)
    return user


def hold_for_the_merchant() -> None:
    """Nothing above ¥10.00 is approved at once: food photos go to the merchant."""
    policy = RefundPolicy.current()
    policy.auto_approve_limit = Decimal("10.00")
    policy.save()


def damaged_request(customer: Any, at: datetime, **order: Any) -> RefundRequest:
    """A photo of spilled soup on an order delivered an hour before ``at``:
    it waits for the merchant."""
    with clock.frozen_at(at):
        client = english(client_as(customer))
        placed = delivered_order(customer, at, **order)
        photo = upload_id(client, seed=placed.pk)
        response = file_refund(client, placed, reason="damaged", evidence=[photo])
        assert response.status_code == 201, response.content
    return RefundRequest.objects.get(pk=response.json()["id"])


def merchant_approves(
    refund: RefundRequest, merchant: Any, at: datetime, amount: str | None = None
) -> RefundRequest:
    with clock.frozen_at(at):
        return services.refund_merchant_respond(
            refund=refund,
            merchant_user=merchant,
            decision="approve",
            amount=Decimal(amount) if amount else None,
            note="汤洒了一部分" if amount else "",
        )


def agent_approves(
    refund: RefundRequest, merchant: Any, agent: Any, at: datetime, amount: str
) -> RefundRequest:
    """The merchant refuses within its time; an agent approves in part at
    ``at`` (the merchant bears it)."""
    with clock.frozen_at(refund.created_at + timedelta(minutes=10)):
        services.refund_merchant_respond(
            refund=refund, merchant_user=merchant, decision="refuse", note="包装完好"
        )
    with clock.frozen_at(at):
        return services.refund_decide(
            refund=refund,
            agent=agent,
            decision="approve",
            amount=Decimal(amount),
            note="只退洒出的部分",
        )


def pay(refund: RefundRequest, at: datetime) -> None:
    """Attempt every payout of ``refund`` that has not succeeded yet."""
    with clock.frozen_at(at + timedelta(minutes=1)):
        for payout in Payout.objects.filter(refund=refund).exclude(status=PayoutStatus.SUCCEEDED):
            services.payout_attempt(payout_id=payout.pk)
