"""Every write on orders: creation from the ordering system and delivery
events. Both run in one transaction; an event locks its order row."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import roles
from refundportal import clock
from refundportal.api import ApplicationError, Conflict
from refundportal.money import money_sum, to_money

from . import states
from .models import DeliveryEvent, Discount, Merchant, Order, OrderItem, Tender
from .signals import order_failed
from .states import OrderStatus

# The platform failed to earn the money of an order in these statuses.
FAILED = frozenset({OrderStatus.CANCELLED, OrderStatus.DELIVERY_FAILED})

# How far ahead of our clock a time from the ordering system may be. A little
# drift between servers is normal; more is a bug upstream, and a delivery
# dated in the future would keep the refund window open and look late.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class OrderCreated:
    order: Order
    created: bool


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(to_money(value))
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def payload_digest(payload: dict[str, Any]) -> str:
    """A digest of the order's content that ignores formatting: "12.5" and
    "12.50", or the same instant in two time zones, are the same content."""
    text = json.dumps(_canonical(payload), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def validation_error(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        "validation_error",
        _("Invalid input: %(error)s") % {"error": f"{field}: {message}"},
        fields={field: [message]},
    )


def order_create(*, payload: dict[str, Any]) -> OrderCreated:
    """Store an order pushed by the ordering system.

    ``payload`` is the validated body of ``POST /orders/``. The same number
    with the same content answers the stored order; other content is a
    conflict. ``paid_total`` must equal the sum of the tenders.
    """
    digest = payload_digest(payload)
    existing = Order.objects.filter(number=payload["number"]).first()
    if existing is not None:
        return _same_or_conflict(existing, digest)

    _not_in_future("placed_at", payload["placed_at"])
    _not_in_future("delivered_at", payload.get("delivered_at"))
    items = payload["items"]
    items_total = money_sum([to_money(i["unit_price"] * i["quantity"]) for i in items])
    discount_total = money_sum([d["amount"] for d in payload.get("discounts", [])])
    gross = items_total + to_money(payload["delivery_fee"]) + to_money(payload["packaging_fee"])
    if discount_total > gross:
        raise validation_error("discounts", _("Discounts exceed the order's gross amount."))
    paid_total = gross - discount_total
    tender_total = money_sum([t["amount"] for t in payload["tenders"]])
    if tender_total != paid_total:
        raise ApplicationError(
            "amount_mismatch",
            _(
                "The tenders add up to %(tenders)s but the order's paid total is %(paid)s "
                "(items + delivery fee + packaging fee - discounts)."
            )
            % {"tenders": tender_total, "paid": paid_total},
            extra={"paid_total": str(paid_total), "tender_total": str(tender_total)},
        )

    customer = _customer(payload["customer"])
    try:
        with transaction.atomic():
            merchant, _created = Merchant.objects.get_or_create(
                code=payload["merchant"]["code"], defaults={"name": payload["merchant"]["name"]}
            )
            if merchant.name != payload["merchant"]["name"]:
                merchant.name = payload["merchant"]["name"]
                merchant.save(update_fields=["name"])
            status = payload["status"]
            order = Order.objects.create(
                number=payload["number"],
                customer=customer,
                merchant=merchant,
                status=status,
                placed_at=payload["placed_at"],
                promised_at=payload["promised_at"],
                delivered_at=payload.get("delivered_at"),
                items_total=items_total,
                delivery_fee=to_money(payload["delivery_fee"]),
                packaging_fee=to_money(payload["packaging_fee"]),
                discount_total=discount_total,
                paid_total=paid_total,
                payload_digest=digest,
            )
            OrderItem.objects.bulk_create(
                OrderItem(
                    order=order,
                    position=index,
                    sku=item["sku"],
                    name=item["name"],
                    unit_price=to_money(item["unit_price"]),
                    quantity=item["quantity"],
                )
                for index, item in enumerate(items)
            )
            Discount.objects.bulk_create(
                Discount(order=order, kind=d["kind"], amount=to_money(d["amount"]))
                for d in payload.get("discounts", [])
            )
            Tender.objects.bulk_create(
                Tender(
                    order=order,
                    position=index,
                    method=t["method"],
                    amount=to_money(t["amount"]),
                    account=t["account"],
                )
                for index, t in enumerate(payload["tenders"])
            )
            DeliveryEvent.objects.bulk_create(_initial_events(order))
    except IntegrityError:
        # Another request stored the same number first: answer as a retry would.
        existing = Order.objects.filter(number=payload["number"]).first()
        if existing is None:
            raise
        return _same_or_conflict(existing, digest)
    return OrderCreated(order=order, created=True)


def _same_or_conflict(existing: Order, digest: str) -> OrderCreated:
    if existing.payload_digest != digest:
        raise Conflict(
            _("Order %(number)s already exists with other content.") % {"number": existing.number}
        )
    return OrderCreated(order=existing, created=False)


def _not_in_future(field: str, at: datetime | None) -> None:
    if at is not None and at > clock.now() + CLOCK_SKEW:
        raise validation_error(field, _("This time is in the future."))


def _customer(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not roles.has_role(user, roles.CUSTOMER):
        raise validation_error("customer", _("No customer with this user name."))
    return user


def _initial_events(order: Order) -> list[DeliveryEvent]:
    """The timeline an order arrives with: placed, and its current status if
    the ordering system sends it later in its life."""
    events = [DeliveryEvent(order=order, status=OrderStatus.PLACED, at=order.placed_at)]
    if order.status != OrderStatus.PLACED:
        at = order.delivered_at if order.status == OrderStatus.DELIVERED else None
        events.append(DeliveryEvent(order=order, status=order.status, at=at or order.placed_at))
    return events


def order_event_add(*, order: Order, status: str, at: datetime) -> tuple[Order, bool]:
    """Record a delivery event. The order moves forward only; the same event
    sent twice is recorded once. Returns the order and whether it changed."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        # The same event again is a retry, even when a later event has
        # arrived in between: answer it as recorded rather than as a move back.
        if locked.events.filter(status=status, at=at).exists():
            return locked, False
        if not states.can_move(locked.status, status):
            raise validation_error(
                "status",
                _("An order that is %(current)s cannot become %(new)s.")
                % {"current": locked.status, "new": status},
            )
        _not_in_future("at", at)
        if at < locked.placed_at:
            raise validation_error("at", _("An event cannot happen before the order was placed."))
        last = locked.events.order_by("-at").values_list("at", flat=True).first()
        if last is not None and at < last:
            raise validation_error("at", _("An event cannot happen before the previous one."))
        if status == OrderStatus.DELIVERED:
            states.move(locked, status, at=at, changes={"delivered_at": at})
        else:
            states.move(locked, status, at=at)
        if status in FAILED and locked.paid_total > 0:
            order_failed.send(sender=Order, order=locked, at=at)
    return locked, True


def merchant_members_add(*, user: Any, codes: list[str]) -> list[Merchant]:
    """Make ``user`` one of the staff of the merchants named by ``codes``;
    an unknown code is refused and nothing is added."""
    wanted = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    merchants = list(Merchant.objects.filter(code__in=wanted))
    unknown = sorted(set(wanted) - {merchant.code for merchant in merchants})
    if unknown:
        raise validation_error(
            "merchant", _("No merchant with code %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    for merchant in merchants:
        merchant.members.add(user)
    return merchants
