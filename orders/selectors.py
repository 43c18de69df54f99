"""Reads on orders: the querysets the API and pages list, and what is still
refundable on an order, line by line."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts import roles
from refundportal.money import ZERO, line_refundables, money_sum, to_money

from .models import DeliveryEvent, Merchant, Order, OrderItem

DELIVERY_FEE = "delivery_fee"
PACKAGING_FEE = "packaging_fee"
FEE_LABELS = {DELIVERY_FEE: _("Delivery fee"), PACKAGING_FEE: _("Packaging fee")}


def line_label(line: str, name: str) -> str:
    """A line's name for people: the dish, or the fee in the reader's language."""
    label = FEE_LABELS.get(line)
    return str(label) if label is not None else name


def order_queryset_for(user: Any) -> QuerySet[Order]:
    """The orders a user may read, with everything an order page shows
    fetched in a fixed number of queries."""
    qs = Order.objects.select_related("merchant", "customer").prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.order_by("position")),
        "discounts",
        "tenders",
        Prefetch("events", queryset=DeliveryEvent.objects.order_by("at", "id")),
    )
    held = roles.user_roles(user)
    if held & (roles.STAFF_ROLES | {roles.INTEGRATION}):
        return qs
    if roles.CUSTOMER in held:
        return qs.filter(customer=user)
    return qs.none()


ORDER_BY_NUMBER = "SELECT * FROM orders_order WHERE customer_id = %s AND number = %s"
ORDER_BY_NUMBER_FOR_UPDATE = ORDER_BY_NUMBER + " FOR UPDATE"


def customer_order_with_items(
    customer_id: int, number: str, *, lock: bool
) -> tuple[Order, list[OrderItem]] | None:
    """The customer's order by its number and its items, the order row
    locked when ``lock`` (the first read of every filing); None when the
    customer has no such order.

    The order is read with the project's one hand-written query: the ORM
    spends more building a locking SELECT than the database spends running
    it, and every filing starts here."""
    locks = lock and connection.features.has_select_for_update
    sql = ORDER_BY_NUMBER_FOR_UPDATE if locks else ORDER_BY_NUMBER
    order = next(iter(Order.objects.raw(sql, [customer_id, number])), None)
    if order is None:
        return None
    return order, list(order.items.order_by("position", "id"))


@dataclass(frozen=True)
class Claim:
    """What requests already hold on one line: units and money."""

    quantity: int = 0
    amount: Decimal = ZERO


@dataclass(frozen=True)
class RefundableLine:
    key: str
    name: str
    quantity: int
    unit_price: Decimal
    gross: Decimal
    discount_share: Decimal
    refundable: Decimal
    claimed: Claim = field(default_factory=Claim)
    item: OrderItem | None = None

    @property
    def remaining_quantity(self) -> int:
        return max(self.quantity - self.claimed.quantity, 0)

    @property
    def remaining_amount(self) -> Decimal:
        return max(self.refundable - self.claimed.amount, ZERO)


@dataclass(frozen=True)
class OrderRefundable:
    lines: list[RefundableLine]

    @property
    def total(self) -> Decimal:
        return money_sum([line.remaining_amount for line in self.lines])

    def line(self, key: str) -> RefundableLine | None:
        return next((line for line in self.lines if line.key == key), None)


def order_refundable(
    order: Order,
    claims: Mapping[str, Claim] | None = None,
    items: Sequence[OrderItem] | None = None,
) -> OrderRefundable:
    """Every line of an order (items in order, then the delivery and
    packaging fees) with its discount share and what is left to refund.

    ``claims`` maps a line key (the item's id, ``delivery_fee`` or
    ``packaging_fee``) to what refund requests already hold on it;
    ``items`` are the order's items when already read (else read here).
    """
    claims = claims or {}
    items = list(order.items.all() if items is None else items)
    gross = [to_money(item.unit_price * item.quantity) for item in items]
    gross += [to_money(order.delivery_fee), to_money(order.packaging_fee)]
    refundable = line_refundables(gross, order.discount_total)
    lines = [
        RefundableLine(
            key=str(item.pk),
            name=item.name,
            quantity=item.quantity,
            unit_price=to_money(item.unit_price),
            gross=g,
            discount_share=g - r,
            refundable=r,
            claimed=claims.get(str(item.pk), Claim()),
            item=item,
        )
        for item, g, r in zip(items, gross, refundable, strict=False)
    ]
    for key, name, g, r in (
        (DELIVERY_FEE, "delivery_fee", gross[-2], refundable[-2]),
        (PACKAGING_FEE, "packaging_fee", gross[-1], refundable[-1]),
    ):
        lines.append(
            RefundableLine(
                key=key,
                name=name,
                quantity=1,
                unit_price=g,
                gross=g,
                discount_share=g - r,
                refundable=r,
                claimed=claims.get(key, Claim()),
            )
        )
    return OrderRefundable(lines=lines)


def merchant_ids_of(user: Any) -> list[int]:
    """The merchants a merchant user works for."""
    return list(merchants_of(user).values_list("merchant_id", flat=True))


def merchants_of(user: Any) -> QuerySet[Any]:
    """The ids of the merchants a merchant user works for, unevaluated: for
    ``merchant_id__in``, a subquery that matches a row once however many
    users its merchant has (a join through the members would repeat it)."""
    return Merchant.members.through.objects.filter(user_id=user.pk).values("merchant_id")


def merchant_answers(merchant_id: int) -> bool:
    """Whether anyone answers for the merchant in the portal: its refund
    requests go to it first only then."""
    return Merchant.members.through.objects.filter(merchant_id=merchant_id).exists()
