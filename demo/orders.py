"""Demo orders: months of them over the demo merchants and customers, with
their delivery timelines, and the demo customer's own recent ones, one per
thing worth trying in the portal.

Orders are written with ``bulk_create`` rather than one ``order_create`` call
each, because a demo of 10,000 orders has to load in seconds. They still add
up the way ``order_create`` checks (and the database constraint enforces), and
each order's ``payload_digest`` is computed from the very payload shape that
``POST /orders/`` validates, so the ordering system re-posting an order is
answered 200, not 409.

Each order is drawn from its own generator (see ``draws``), so order
``DEMO000042`` is decided by its index alone.
"""

import bisect
import calendar
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from orders.models import DeliveryEvent, Discount, DiscountKind, Order, OrderItem, Tender
from orders.models import TenderMethod as Method
from orders.services import payload_digest
from orders.states import OrderStatus as S
from refundportal.money import ZERO, from_cents, money_sum, to_cents, to_money

from .draws import generator
from .merchants import AFTERNOON, BREAKFAST, DINNER, LATE, LUNCH, MerchantRow
from .payouts import steering
from .people import CustomerRow

ORDER_PREFIX = "DEMO"
CUSTOMER_ORDER_PREFIX = "DEMOC"
BATCH_SIZE = 500
PHONE_PREFIXES = ("135", "136", "137", "138", "139", "150", "152", "158", "186", "188")
CARD_PREFIXES = ("6222", "6217", "6228", "6225", "6214")


def order_number(index: int) -> str:
    return f"{ORDER_PREFIX}{index:06d}"


def customer_order_number(index: int) -> str:
    return f"{CUSTOMER_ORDER_PREFIX}{index:04d}"


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock time ``months`` calendar months earlier (the day
    clamped to the month's length: 31 March less one month is 28/29 Feb)."""
    year, month0 = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


# --- One order, planned in memory -------------------------------------------------


@dataclass(frozen=True)
class ItemPlan:
    sku: str
    name: str
    unit_price: Decimal
    quantity: int


@dataclass(frozen=True)
class TenderPlan:
    method: str
    amount: Decimal
    account: str


@dataclass(frozen=True)
class OrderPlan:
    number: str
    customer: CustomerRow
    merchant: MerchantRow
    placed_at: datetime
    promised_at: datetime
    events: tuple[tuple[str, datetime], ...]
    items: tuple[ItemPlan, ...]
    delivery_fee: Decimal
    packaging_fee: Decimal
    discounts: tuple[tuple[str, Decimal], ...]
    tenders: tuple[TenderPlan, ...]

    @property
    def status(self) -> str:
        return self.events[-1][0]

    @property
    def delivered_at(self) -> datetime | None:
        status, at = self.events[-1]
        return at if status == S.DELIVERED else None

    @property
    def items_total(self) -> Decimal:
        return money_sum([i.unit_price * i.quantity for i in self.items])

    @property
    def discount_total(self) -> Decimal:
        return money_sum([amount for _kind, amount in self.discounts])

    @property
    def paid_total(self) -> Decimal:
        return self.items_total + self.delivery_fee + self.packaging_fee - self.discount_total

    def payload(self) -> dict[str, Any]:
        """The order as ``OrderCreateSerializer.validated_data`` holds it, the
        shape ``payload_digest`` is taken of when the ordering system posts it."""
        return {
            "number": self.number,
            "customer": self.customer.username,
            "merchant": {"code": self.merchant.code, "name": self.merchant.name},
            "placed_at": self.placed_at,
            "promised_at": self.promised_at,
            "status": str(self.status),
            "delivered_at": self.delivered_at,
            "items": [
                {"sku": i.sku, "name": i.name, "unit_price": i.unit_price, "quantity": i.quantity}
                for i in self.items
            ],
            "delivery_fee": self.delivery_fee,
            "packaging_fee": self.packaging_fee,
            "discounts": [{"kind": kind, "amount": amount} for kind, amount in self.discounts],
            "tenders": [
                {"method": t.method, "amount": t.amount, "account": t.account} for t in self.tenders
            ],
        }


# --- Planning an order ------------------------------------------------------------

# Share of each meal slot in a day's orders, and its local time window in
# minutes after midnight (late night runs past midnight into the next day).
SLOTS: tuple[tuple[str, int, int, int], ...] = (
    (BREAKFAST, 7, 7 * 60, 9 * 60 + 30),
    (LUNCH, 40, 10 * 60 + 30, 14 * 60 + 30),
    (AFTERNOON, 8, 14 * 60 + 30, 17 * 60),
    (DINNER, 35, 16 * 60 + 30, 21 * 60),
    (LATE, 10, 21 * 60, 25 * 60 + 30),
)
PEAKS = {LUNCH: (12 * 60 + 5, 40), DINNER: (18 * 60 + 40, 50)}

# Where in [0, 1) an index's outcome falls (see _outcome).
OUTCOMES: tuple[tuple[float, str], ...] = (
    (0.03, "cancelled"),
    (0.05, "delivery_failed"),
    (0.07, "late_60"),
    (0.11, "late_30"),
    (0.19, "late_15"),
    (1.00, "on_time"),
)
LATENESS_SECONDS = {
    "on_time": (-12 * 60, 14 * 60 + 59),
    "late_15": (15 * 60, 29 * 60 + 59),
    "late_30": (30 * 60, 59 * 60 + 59),
    "late_60": (60 * 60, 150 * 60),
}
GOLDEN = 0.6180339887498949


DELIVERY_FEES = (
    ("0.00", 15),
    ("1.00", 8),
    ("2.00", 12),
    ("2.50", 10),
    ("3.00", 18),
    ("3.50", 10),
    ("4.00", 12),
    ("5.00", 8),
    ("6.00", 7),
)
# Store promotions are 满减: spend at least the first, get the second off.
PROMOTION_TIERS = (
    ("120.00", "25.00"),
    ("80.00", "18.00"),
    ("50.00", "10.00"),
    ("35.00", "6.00"),
    ("20.00", "3.00"),
)
SINGLE_METHODS = ((Method.ALIPAY, 42), (Method.WECHAT, 40), (Method.CARD, 8), (Method.WALLET, 10))


def _outcome(index: int) -> str:
    # A golden-ratio sequence rather than rng.random(): even 40 orders get
    # every outcome in about its share, so a small demo still shows late and
    # failed deliveries.
    point = (index * GOLDEN) % 1.0
    return next(name for bound, name in OUTCOMES if point < bound)


def _pick_placed_at(
    rng: random.Random, now: datetime, window_start: datetime, tz: ZoneInfo
) -> tuple[datetime, str]:
    """A believable order time in the window and its meal slot: more orders
    in recent months (the platform grows) and at weekends, peaks at lunch
    and dinner."""
    first_day = window_start.astimezone(tz).date()
    days = (now.astimezone(tz).date() - first_day).days
    for _attempt in range(1000):
        day_index = rng.randint(0, days)
        day = first_day + timedelta(days=day_index)
        weight = (0.7 + 0.6 * day_index / max(days, 1)) * (1.15 if day.weekday() >= 5 else 1.0)
        if rng.random() * 1.5 > weight:
            continue
        slot, minute = _pick_minute(rng)
        placed = _local(day, tz) + timedelta(minutes=minute, seconds=rng.randint(0, 59))
        if window_start <= placed <= now:
            return placed.astimezone(UTC), slot
    # Unreachable with a window of a month or more; keeps the loop bounded.
    return now - timedelta(hours=2), LUNCH


def _local(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def _pick_minute(rng: random.Random) -> tuple[str, int]:
    slot, _share, start, end = rng.choices(SLOTS, weights=[s[1] for s in SLOTS])[0]
    if slot in PEAKS:
        centre, spread = PEAKS[slot]
        return slot, int(min(max(rng.gauss(centre, spread), start), end))
    return slot, rng.randint(start, end)


def _timeline(
    rng: random.Random, placed_at: datetime, promised_at: datetime, outcome: str
) -> list[tuple[str, datetime]]:
    """The delivery events of an order's whole life, some perhaps still in the future."""
    seconds = rng.randint
    accepted = placed_at + timedelta(seconds=seconds(30, 300))
    events = [(S.PLACED, placed_at)]
    if outcome == "cancelled":
        if rng.random() < 0.5:
            events.append((S.ACCEPTED, accepted))
            return [*events, (S.CANCELLED, accepted + timedelta(seconds=seconds(60, 1200)))]
        return [*events, (S.CANCELLED, placed_at + timedelta(seconds=seconds(120, 900)))]
    if outcome == "delivery_failed":
        picked_up = placed_at + timedelta(seconds=seconds(12 * 60, 28 * 60))
        failed = promised_at + timedelta(seconds=seconds(0, 45 * 60))
        return [
            *events,
            (S.ACCEPTED, accepted),
            (S.PICKED_UP, picked_up),
            (S.DELIVERY_FAILED, failed),
        ]
    low, high = LATENESS_SECONDS[outcome]
    delivered = promised_at + timedelta(seconds=seconds(low, high))
    # The rider needs 6-20 minutes; the kitchen at least 5 after accepting.
    ride = timedelta(seconds=seconds(6 * 60, 20 * 60))
    picked_up = max(delivered - ride, accepted + timedelta(minutes=5))
    return [*events, (S.ACCEPTED, accepted), (S.PICKED_UP, picked_up), (S.DELIVERED, delivered)]


def _items(rng: random.Random, merchant: MerchantRow) -> tuple[ItemPlan, ...]:
    dishes = list(enumerate(merchant.menu.dishes, start=1))
    lines = min(rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0], len(dishes))
    return tuple(
        ItemPlan(
            sku=f"{merchant.code}-{position:02d}",
            name=name,
            unit_price=to_money(price),
            quantity=rng.choices((1, 2, 3), weights=(75, 20, 5))[0],
        )
        for position, (name, price) in sorted(rng.sample(dishes, lines))
    )


def _cents(rng: random.Random, low: str, high: str, step: int = 1) -> Decimal:
    return from_cents(rng.randrange(to_cents(Decimal(low)), to_cents(Decimal(high)) + 1, step))


def _discounts(
    rng: random.Random, items_total: Decimal, gross: Decimal
) -> tuple[tuple[str, Decimal], ...]:
    """About a third of orders pay full price; the rest stack store
    promotions, platform coupons, red packets and points, as the apps do."""
    found: list[tuple[str, Decimal]] = []
    if rng.random() < 0.40:
        tier = next((off for floor, off in PROMOTION_TIERS if items_total >= Decimal(floor)), None)
        if tier is not None:
            found.append((DiscountKind.PROMOTION, to_money(tier)))
    if rng.random() < 0.20:
        amount = to_money(rng.choice(("3.00", "5.00", "8.00", "10.00")))
        if items_total >= amount * 3:
            found.append((DiscountKind.COUPON, amount))
    if rng.random() < 0.20:
        found.append((DiscountKind.RED_PACKET, _cents(rng, "1.00", "6.00", step=50)))
    if rng.random() < 0.08:
        found.append((DiscountKind.POINTS, _cents(rng, "0.10", "3.00", step=10)))
    # Never more than the order is worth, and something is always paid, so
    # that every order has a tender to refund to.
    while found and money_sum([a for _k, a in found]) > gross - Decimal("1.00"):
        found.pop()
    return tuple(found)


def _phone(username: str) -> str:
    rng = generator("phone", username)
    return f"{rng.choice(PHONE_PREFIXES)}****{rng.randint(0, 9999):04d}"


def _account(method: str, customer: CustomerRow) -> str:
    """A masked account, the same for a customer's every order."""
    if method == Method.CARD:
        card = generator("card", customer.username)
        return f"card:{card.choice(CARD_PREFIXES)}****{card.randint(0, 9999):04d}"
    if method == Method.WALLET:
        return f"wallet:{customer.username}"
    return f"{method}:{_phone(customer.username)}"


def _tenders(
    rng: random.Random, paid_total: Decimal, customer: CustomerRow, steering: str
) -> tuple[TenderPlan, ...]:
    """Mostly one tender; about one in ten orders spends the wallet balance
    first and pays the rest by another method."""
    if rng.random() < 0.10 and paid_total >= Decimal("2.00"):
        wallet = _cents(rng, "1.00", str(min(paid_total - Decimal("1.00"), Decimal("30.00"))))
        other = rng.choices((Method.ALIPAY, Method.WECHAT, Method.CARD), weights=(45, 45, 10))[0]
        paid = [(str(Method.WALLET), wallet), (str(other), paid_total - wallet)]
    else:
        methods = [str(m) for m, _w in SINGLE_METHODS]
        method = rng.choices(methods, weights=[w for _m, w in SINGLE_METHODS])[0]
        paid = [(method, paid_total)]
    last = len(paid) - 1
    return tuple(
        TenderPlan(
            method,
            amount,
            f"{_account(method, customer)}:{steering}"
            if steering and position == last
            else _account(method, customer),
        )
        for position, (method, amount) in enumerate(paid)
    )


def _money(
    rng: random.Random, merchant: MerchantRow, customer: CustomerRow, steering: str
) -> dict[str, Any]:
    items = _items(rng, merchant)
    items_total = money_sum([i.unit_price * i.quantity for i in items])
    delivery_fee = to_money(
        rng.choices([fee for fee, _w in DELIVERY_FEES], weights=[w for _f, w in DELIVERY_FEES])[0]
    )
    # Fifty fen to a yuan of packaging per line, at most three yuan.
    packaging_fee = (
        ZERO
        if rng.random() < 0.10
        else min(money_sum([_cents(rng, "0.50", "1.00", step=50) for _i in items]), Decimal("3.00"))
    )
    gross = items_total + delivery_fee + packaging_fee
    discounts = _discounts(rng, items_total, gross)
    paid_total = gross - money_sum([a for _k, a in discounts])
    return {
        "items": items,
        "delivery_fee": delivery_fee,
        "packaging_fee": packaging_fee,
        "discounts": discounts,
        "tenders": _tenders(rng, paid_total, customer, steering),
    }


def plan_order(
    index: int,
    *,
    now: datetime,
    window_start: datetime,
    tz: ZoneInfo,
    merchants: Sequence[MerchantRow],
    customers: Sequence[CustomerRow],
    join_times: Sequence[datetime],
) -> OrderPlan:
    rng = generator("order", index)
    placed_at, slot = _pick_placed_at(rng, now, window_start, tz)
    serving = [m for m in merchants if slot in m.menu.slots] or list(merchants)
    merchant = rng.choices(serving, weights=[m.weight for m in serving])[0]
    # Only customers who had signed up by then can have placed it.
    eligible = max(bisect.bisect_right(join_times, placed_at), 1)
    customer = customers[rng.randrange(eligible)]
    promised_at = placed_at + timedelta(seconds=rng.randint(30 * 60, 50 * 60))
    timeline = _timeline(rng, placed_at, promised_at, _outcome(index))
    # An order placed minutes ago is still on its way: keep what has happened.
    events = tuple(event for event in timeline if event[1] <= now)
    return OrderPlan(
        number=order_number(index),
        customer=customer,
        merchant=merchant,
        placed_at=placed_at,
        promised_at=promised_at,
        events=events,
        **_money(rng, merchant, customer, steering(index)),
    )


# The demo customer's own recent orders, one per thing worth trying in the
# portal: (minutes ago placed, minutes promised, events as minutes after
# placing, tender accounts' steering word).
CUSTOMER_SCENARIOS: tuple[tuple[int, int, tuple[tuple[str, int], ...], str], ...] = (
    # On time two hours ago: photo evidence claims (food quality, missing items).
    (180, 40, ((S.ACCEPTED, 2), (S.PICKED_UP, 18), (S.DELIVERED, 35)), "fail-once"),
    # 20 minutes late: a late_delivery claim gets 20 %.
    (360, 35, ((S.ACCEPTED, 3), (S.PICKED_UP, 30), (S.DELIVERED, 55)), ""),
    # 40 minutes late: 50 %.
    (300, 40, ((S.ACCEPTED, 4), (S.PICKED_UP, 50), (S.DELIVERED, 80)), ""),
    # 75 minutes late, paid from an account the gateway declines: a payout
    # for finance to reroute to the wallet.
    (480, 45, ((S.ACCEPTED, 5), (S.PICKED_UP, 90), (S.DELIVERED, 120)), "decline"),
    # Promised an hour ago and still on the road: not_delivered is approved.
    (100, 40, ((S.ACCEPTED, 3), (S.PICKED_UP, 25)), ""),
    # Being cooked: too early for not_delivered, changed_mind goes to an agent.
    (10, 35, ((S.ACCEPTED, 2),), ""),
    # Cancelled by the merchant yesterday: refunded in full.
    (1200, 40, ((S.ACCEPTED, 3), (S.CANCELLED, 15)), ""),
    # Delivered three days ago: the filing window has closed.
    (3 * 24 * 60, 40, ((S.ACCEPTED, 2), (S.PICKED_UP, 15), (S.DELIVERED, 33)), ""),
)


def plan_customer_order(
    index: int, *, now: datetime, merchants: Sequence[MerchantRow], customer: CustomerRow
) -> OrderPlan:
    minutes_ago, promised_in, steps, steering = CUSTOMER_SCENARIOS[index - 1]
    rng = generator("customer-order", index)
    placed_at = now - timedelta(minutes=minutes_ago)
    merchant = rng.choices(merchants, weights=[m.weight for m in merchants])[0]
    money = _money(rng, merchant, customer, steering)
    return OrderPlan(
        number=customer_order_number(index),
        customer=customer,
        merchant=merchant,
        placed_at=placed_at,
        promised_at=placed_at + timedelta(minutes=promised_in),
        events=((S.PLACED, placed_at), *((s, placed_at + timedelta(minutes=m)) for s, m in steps)),
        **money,
    )


MERCHANT_ORDER_PREFIX = "DEMOM"
# The busiest merchant's own fresh orders, for requests that wait for its
# answer: (minutes ago, promised in, delivery steps).
MERCHANT_SCENARIOS: tuple[tuple[int, int, tuple[tuple[str, int], ...]], ...] = (
    # Being cooked: a change of mind goes to the merchant first (rule R13).
    (8, 35, ((S.ACCEPTED, 2),)),
    # Delivered half an hour ago: a photo of spilled soup above the
    # auto-approve limit goes to the merchant first (rule R12).
    (70, 40, ((S.ACCEPTED, 3), (S.PICKED_UP, 20), (S.DELIVERED, 38))),
)
# A damaged order's refund must be above the auto-approve limit (¥30).
MERCHANT_ORDER_MIN_PAID = Decimal("45.00")


def merchant_order_number(index: int) -> str:
    return f"{MERCHANT_ORDER_PREFIX}{index:04d}"


def plan_merchant_order(
    index: int, *, now: datetime, merchant: MerchantRow, customer: CustomerRow
) -> OrderPlan:
    """One of ``MERCHANT_SCENARIOS`` at ``merchant``, paid well enough that
    a claim on it is above the auto-approve limit."""
    minutes_ago, promised_in, steps = MERCHANT_SCENARIOS[index - 1]
    placed_at = now - timedelta(minutes=minutes_ago)
    money: dict[str, Any] = {}
    for attempt in range(50):
        money = _money(generator("merchant-order", index, attempt), merchant, customer, "")
        if money_sum([t.amount for t in money["tenders"]]) >= MERCHANT_ORDER_MIN_PAID:
            break
    return OrderPlan(
        number=merchant_order_number(index),
        customer=customer,
        merchant=merchant,
        placed_at=placed_at,
        promised_at=placed_at + timedelta(minutes=promised_in),
        events=((S.PLACED, placed_at), *((s, placed_at + timedelta(minutes=m)) for s, m in steps)),
        **money,
    )


# --- Writing ----------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """The rows one batch wrote."""

    orders: int
    items: int
    discounts: int
    tenders: int
    events: int


def insert_orders(plans: Sequence[OrderPlan]) -> Written:
    """One batch of orders and everything under them, in one transaction."""
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            Order(
                number=plan.number,
                customer_id=plan.customer.pk,
                merchant_id=plan.merchant.pk,
                status=plan.status,
                placed_at=plan.placed_at,
                promised_at=plan.promised_at,
                delivered_at=plan.delivered_at,
                items_total=plan.items_total,
                delivery_fee=plan.delivery_fee,
                packaging_fee=plan.packaging_fee,
                discount_total=plan.discount_total,
                paid_total=plan.paid_total,
                payload_digest=payload_digest(plan.payload()),
            )
            for plan in plans
        )
        # Backends that cannot return ids from a bulk insert leave pk unset.
        if any(order.pk is None for order in orders):
            pks = dict(
                Order.objects.filter(number__in=[p.number for p in plans]).values_list(
                    "number", "pk"
                )
            )
            for order in orders:
                order.pk = pks[order.number]
        items: list[OrderItem] = []
        discounts: list[Discount] = []
        tenders: list[Tender] = []
        events: list[DeliveryEvent] = []
        for plan, order in zip(plans, orders, strict=True):
            items += [
                OrderItem(
                    order_id=order.pk,
                    position=position,
                    sku=item.sku,
                    name=item.name,
                    unit_price=item.unit_price,
                    quantity=item.quantity,
                )
                for position, item in enumerate(plan.items)
            ]
            discounts += [
                Discount(order_id=order.pk, kind=kind, amount=amount)
                for kind, amount in plan.discounts
            ]
            tenders += [
                Tender(
                    order_id=order.pk,
                    position=position,
                    method=tender.method,
                    amount=tender.amount,
                    account=tender.account,
                )
                for position, tender in enumerate(plan.tenders)
            ]
            events += [
                DeliveryEvent(order_id=order.pk, status=status, at=at) for status, at in plan.events
            ]
        OrderItem.objects.bulk_create(items)
        Discount.objects.bulk_create(discounts)
        Tender.objects.bulk_create(tenders)
        DeliveryEvent.objects.bulk_create(events)
    return Written(len(orders), len(items), len(discounts), len(tenders), len(events))
