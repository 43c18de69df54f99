"""The merchant's stage in the demo: the demo merchant user works for the
busiest demo merchant (the one with the most orders), and two fresh
requests on that merchant's own orders wait for its answer, a change of
mind while the food is cooked and a photo of spilled soup above the
auto-approve limit.

It runs after the history is seeded, so that the months of past requests
were decided by the platform as they would have been before the merchant
joined. Whatever exists is left alone: a second run adds nothing.
"""

import io
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.test.utils import override_settings

from accounts import roles
from orders.models import Merchant, Order
from refundportal import clock
from refundportal.api import ApplicationError
from refunds.evidence import process_photo
from refunds.models import Reason, RefundRequest
from refunds.services import evidence_store, refund_file
from refunds.states import RefundStatus

from .merchants import ensure_merchants
from .orders import (
    MERCHANT_SCENARIOS,
    ORDER_PREFIX,
    insert_orders,
    merchant_order_number,
    plan_merchant_order,
)
from .people import MERCHANT_USER, customer_pool
from .refunds import _photo, _rng

# What each of the merchant's fresh orders is claimed for, and why.
CLAIMS: tuple[tuple[str, str], ...] = (
    (Reason.CHANGED_MIND, "临时有事，吃不了了，麻烦取消。"),
    (Reason.DAMAGED, "汤洒了一半，袋子里全是汤。"),
)


@dataclass
class MerchantStageResult:
    merchant: str = ""  # the merchant's code
    linked: bool = False
    orders: int = 0
    waiting: int = 0


def busiest_merchant() -> Merchant | None:
    """The demo merchant with the most orders (the lowest code on a tie)."""
    row = (
        Order.objects.filter(number__startswith=ORDER_PREFIX)
        .values("merchant_id", "merchant__code")
        .annotate(orders=Count("id"))
        .order_by("-orders", "merchant__code")
        .first()
    )
    return Merchant.objects.get(pk=row["merchant_id"]) if row else None


def seed_merchant_stage(now: datetime | None = None) -> MerchantStageResult:
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        return _seed_merchant_stage(now or clock.now())


def _seed_merchant_stage(now: datetime) -> MerchantStageResult:
    result = MerchantStageResult()
    user = (
        get_user_model().objects.filter(username=MERCHANT_USER, groups__name=roles.MERCHANT).first()
    )
    if user is None:
        return result
    # A merchant user already linked keeps its merchant, even if another
    # has become busier since.
    merchant = Merchant.objects.filter(members=user).order_by("code").first()
    if merchant is None:
        merchant = busiest_merchant()
        if merchant is None:
            return result
        merchant.members.add(user)
        result.linked = True
    result.merchant = merchant.code

    rows = {row.pk: row for row in ensure_merchants()[0]}
    customers = customer_pool()
    if merchant.pk not in rows or not customers:
        return result
    # The platform's oldest customer: no risk flag for a new account.
    customer = customers[0]
    numbers = [merchant_order_number(i) for i in range(1, len(MERCHANT_SCENARIOS) + 1)]
    existing = set(Order.objects.filter(number__in=numbers).values_list("number", flat=True))
    plans = [
        plan_merchant_order(index, now=now, merchant=rows[merchant.pk], customer=customer)
        for index, number in enumerate(numbers, start=1)
        if number not in existing
    ]
    if plans:
        result.orders = insert_orders(plans).orders
    for order in Order.objects.filter(number__in=[plan.number for plan in plans]).select_related(
        "customer"
    ):
        reason, description = CLAIMS[numbers.index(order.number)]
        evidence_ids = []
        if reason == Reason.DAMAGED:
            content = _photo(_rng("merchant-stage", order.number))
            photo = process_photo(io.BytesIO(content), len(content))
            evidence_ids.append(evidence_store(owner=order.customer, photo=photo).pk)
        try:
            with clock.frozen_at(now):
                refund_file(
                    customer=order.customer,
                    order_number=order.number,
                    reason=reason,
                    description=description,
                    evidence_ids=evidence_ids,
                )
        except ApplicationError:
            continue
    result.waiting = RefundRequest.objects.filter(
        order__merchant=merchant, status=RefundStatus.AWAITING_MERCHANT
    ).count()
    return result
