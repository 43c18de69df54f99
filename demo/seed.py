"""The entry point: ``seed_demo`` writes the people, the merchants and the
orders, then ``demo.refunds.seed_refunds`` files requests on those orders;
``manage.py seed_demo`` runs both and prints the logins.

Whatever exists already is left alone, so a second run creates nothing and a
larger ``--orders`` adds only the missing tail.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from zoneinfo import ZoneInfo

from django.conf import settings

from orders.models import Order
from refundportal import clock

from .merchants import ensure_merchants
from .orders import (
    BATCH_SIZE,
    CUSTOMER_SCENARIOS,
    ORDER_PREFIX,
    Written,
    customer_order_number,
    insert_orders,
    months_before,
    order_number,
    plan_customer_order,
    plan_order,
)
from .people import (
    DEMO_CUSTOMER,
    customer_pool,
    ensure_customers,
    ensure_role_users,
    find_demo_customer,
)

Progress = Callable[[int, int], object]
"""Called with (orders just written, orders to write in all)."""


@dataclass
class SeedResult:
    merchants_created: int = 0
    customers_created: int = 0
    users_created: list[str] = field(default_factory=list)
    orders_created: int = 0
    orders_existing: int = 0
    items: int = 0
    discounts: int = 0
    tenders: int = 0
    events: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def add(self, written: Written) -> None:
        self.orders_created += written.orders
        self.items += written.items
        self.discounts += written.discounts
        self.tenders += written.tenders
        self.events += written.events


def seed_demo(
    *, orders: int = 2000, months: int = 6, progress: Progress | None = None
) -> SeedResult:
    """Create what is missing of the demo data set of ``orders`` orders over
    the last ``months`` months; what exists already is left alone."""
    if orders < 0:
        raise ValueError("--orders cannot be negative")
    if not 1 <= months <= 120:
        raise ValueError("--months must be between 1 and 120")
    started = time.monotonic()
    result = SeedResult()
    tz = ZoneInfo(settings.TIME_ZONE)
    now = clock.now().replace(microsecond=0).astimezone(UTC)
    window_start = months_before(now.astimezone(tz), months).astimezone(UTC)

    result.users_created = ensure_role_users()
    result.customers_created = ensure_customers(now, window_start)
    merchants, result.merchants_created = ensure_merchants()
    customers = customer_pool()
    if not customers:
        raise ValueError("no demo customer holds the customer role; cannot place orders")
    join_times = [c.date_joined for c in customers]

    existing = set(
        Order.objects.filter(number__startswith=ORDER_PREFIX).values_list("number", flat=True)
    )
    todo = [i for i in range(1, orders + 1) if order_number(i) not in existing]
    scenario_numbers = range(1, len(CUSTOMER_SCENARIOS) + 1)
    customer_todo = [i for i in scenario_numbers if customer_order_number(i) not in existing]
    result.orders_existing = orders - len(todo) + len(CUSTOMER_SCENARIOS) - len(customer_todo)
    demo_customer = find_demo_customer()
    if demo_customer is None and customer_todo:
        result.warnings.append(
            f"User {DEMO_CUSTOMER!r} does not hold the customer role: "
            "their demo orders were skipped."
        )
        customer_todo = []
    total = len(todo) + len(customer_todo)
    if progress is not None:
        progress(0, total)

    if customer_todo and demo_customer is not None:
        plans = [
            plan_customer_order(i, now=now, merchants=merchants, customer=demo_customer)
            for i in customer_todo
        ]
        result.add(insert_orders(plans))
        if progress is not None:
            progress(len(plans), total)
    for start in range(0, len(todo), BATCH_SIZE):
        plans = [
            plan_order(
                index,
                now=now,
                window_start=window_start,
                tz=tz,
                merchants=merchants,
                customers=customers,
                join_times=join_times,
            )
            for index in todo[start : start + BATCH_SIZE]
        ]
        result.add(insert_orders(plans))
        if progress is not None:
            progress(len(plans), total)
    result.seconds = time.monotonic() - started
    return result
