"""Hand-built KPI data: orders through the orders service, requests,
payouts and feedback written as rows with chosen times, so that every
figure of a month can be worked out by hand.

``march_2025()`` builds the month that most tests pin; its figures are
worked out in ``MARCH`` below, next to the data that makes them.
"""

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from accounts import roles
from demo.refunds import REASONS_MOST_FILED_FIRST
from payouts.models import Payout
from refunds.liability import default_liability
from refunds.models import Feedback, RefundItem, RefundRequest
from tests.factories import UserFactory, create_order

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The clock of these tests: March and April 2025 are closed, May is current.
NOW = datetime(2025, 5, 10, 12, 0, tzinfo=SHANGHAI)
MONTHLY = "/api/v1/analytics/monthly/"
DASHBOARD = "/dashboard/"

_keys = itertools.count(1)


def sh(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2025) -> datetime:
    """A time in Asia/Shanghai."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def merchant_payload(code: str) -> dict[str, str]:
    names = {"M001": "老王川菜馆", "M002": "小李面馆", "M003": "阿香米线"}
    return {"code": code, "name": names.get(code, f"商户 {code}")}


def order_at(customer: Any, placed_at: datetime, merchant: str = "M001", **kw: Any) -> Any:
    """An order placed at ``placed_at`` (paid 24.00, SPEC 3's example)."""
    return create_order(
        customer=customer,
        merchant=merchant_payload(merchant),
        placed_at=placed_at.isoformat(),
        promised_at=(placed_at + timedelta(minutes=40)).isoformat(),
        **kw,
    )


def request_on(
    order: Any,
    *,
    created_at: datetime,
    status: str,
    reason: str = "other",
    requested: str = "24.00",
    approved: str | None = None,
    source: str = "auto",
    decided_at: datetime | None = None,
    review_due_at: datetime | None = None,
    customer_wait: timedelta = timedelta(0),
    liability: str | None = None,
) -> RefundRequest:
    """A request row as the refunds services leave it: auto-review stamps
    every request (``decision_source`` auto, ``decided_at`` its creation),
    a staff decision overwrites both. ``customer_wait`` is the time it
    waited for its customer's answers. An approval records who bears it:
    ``liability``, else the default by cause."""
    requested_amount = Decimal(requested)
    approved_amount = Decimal(approved) if approved is not None else None
    if liability is None:
        liability = (
            default_liability(reason=reason, rule="", source=source, order_status=order.status)
            if approved_amount is not None
            else ""
        )
    request = RefundRequest.objects.create(
        order=order,
        customer=order.customer,
        reason=reason,
        status=status,
        whole_order=True,
        requested_amount=requested_amount,
        approved_amount=approved_amount,
        decision_source=source,
        decided_at=decided_at or created_at,
        review_due_at=review_due_at or created_at + timedelta(hours=24),
        customer_wait=customer_wait,
        liability=liability,
        created_at=created_at,
        updated_at=decided_at or created_at,
    )
    item = order.items.first()
    RefundItem.objects.create(
        request=request,
        line=str(item.pk),
        item=item,
        name=item.name,
        quantity=item.quantity,
        gross=requested_amount,
        discount_share=Decimal("0.00"),
        amount=requested_amount,
        approved_amount=approved_amount,
    )
    return request


def payout_for(
    request: RefundRequest,
    amount: str,
    *,
    status: str = "succeeded",
    succeeded_at: datetime | None = None,
    closed: bool = False,
) -> Payout:
    tender = request.order.tenders.first()
    created = request.decided_at or request.created_at
    return Payout.objects.create(
        refund=request,
        tender=tender,
        method=tender.method,
        account=tender.account,
        amount=Decimal(amount),
        status=status,
        idempotency_key=f"test-key-{next(_keys)}",
        succeeded_at=succeeded_at,
        closed=closed,
        created_at=created,
        updated_at=succeeded_at or created,
    )


def feedback_on(request: RefundRequest, rating: int, at: datetime, comment: str = "") -> Feedback:
    return Feedback.objects.create(request=request, rating=rating, comment=comment, created_at=at)


@dataclass
class Scenario:
    orders: dict[str, Any] = field(default_factory=dict)
    requests: dict[str, RefundRequest] = field(default_factory=dict)


def march_2025() -> Scenario:
    """Seven orders placed in March 2025 (Asia/Shanghai), one on each side
    of the month, and their requests, payouts and ratings."""
    customer = UserFactory(role=roles.CUSTOMER)
    s = Scenario()
    o = s.orders
    r = s.requests
    o["feb"] = order_at(customer, sh(2, 27, 12))
    # 00:30 in Shanghai on 1 March is still 28 February in UTC: March.
    o["o1"] = order_at(customer, sh(3, 1, 0, 30))
    o["o2"] = order_at(customer, sh(3, 10, 11))
    o["o3"] = order_at(customer, sh(3, 20, 9))
    o["o4"] = order_at(customer, sh(3, 15, 9), merchant="M002")
    # The last minutes of March, its request filed in April.
    o["o5"] = order_at(customer, sh(3, 31, 23, 30), merchant="M002")
    o["o7"] = order_at(customer, sh(3, 25, 12))
    o["o8"] = order_at(customer, sh(3, 26, 12), merchant="M002")
    # 00:10 on 1 April in Shanghai is 31 March in UTC: April.
    o["apr"] = order_at(customer, sh(4, 1, 0, 10), merchant="M002")

    # Refunded in full by auto-review, paid two hours later.
    r["r1"] = request_on(
        o["o1"],
        created_at=sh(3, 1, 1),
        status="refunded",
        reason="not_delivered",
        approved="24.00",
    )
    payout_for(r["r1"], "24.00", succeeded_at=sh(3, 1, 3))
    # Partly approved by an agent in time; a declined payout rerouted to the
    # wallet: the last open payout succeeded 24 h after filing.
    r["r2"] = request_on(
        o["o2"],
        created_at=sh(3, 10, 12),
        status="refunded",
        reason="food_quality",
        approved="10.50",
        source="agent",
        decided_at=sh(3, 10, 20),
    )
    payout_for(r["r2"], "4.00", succeeded_at=sh(3, 11, 0))
    payout_for(r["r2"], "6.50", status="failed", closed=True)
    payout_for(r["r2"], "6.50", succeeded_at=sh(3, 11, 12))
    # Rejected by an agent an hour past due, and an earlier cancelled one.
    r["r3b"] = request_on(o["o3"], created_at=sh(3, 20, 9, 30), status="cancelled")
    r["r3"] = request_on(
        o["o3"],
        created_at=sh(3, 20, 10),
        status="rejected",
        reason="changed_mind",
        source="agent",
        decided_at=sh(3, 21, 11),
    )
    RefundRequest.objects.filter(pk=r["r3b"].pk).update(reason="changed_mind")
    # Approved by auto-review, payout still pending: a refunded order, not
    # yet a resolved request.
    r["r4"] = request_on(
        o["o4"],
        created_at=sh(3, 15, 10),
        status="approved",
        reason="late_delivery",
        requested="24.00",
        approved="4.80",
    )
    payout_for(r["r4"], "4.80", status="pending")
    # Filed and paid in April on a March order.
    r["r5"] = request_on(
        o["o5"],
        created_at=sh(4, 1, 0, 20),
        status="refunded",
        reason="not_delivered",
        approved="24.00",
    )
    payout_for(r["r5"], "24.00", succeeded_at=sh(4, 1, 5, 20))
    # Approved by an agent, payout declined: counts as refunded.
    r["r8"] = request_on(
        o["o7"],
        created_at=sh(3, 25, 13),
        status="payout_failed",
        reason="wrong_items",
        approved="12.00",
        source="agent",
        decided_at=sh(3, 25, 15),
    )
    payout_for(r["r8"], "12.00", status="failed")
    # Still under review.
    r["r7"] = request_on(o["o8"], created_at=sh(3, 26, 13), status="pending_review")
    # A February request refunded on 1 March: resolved in March, after 30 h.
    r["r6"] = request_on(
        o["feb"],
        created_at=sh(2, 27, 20),
        status="refunded",
        reason="missing_items",
        requested="10.00",
        approved="10.00",
    )
    payout_for(r["r6"], "10.00", succeeded_at=sh(3, 1, 2))
    # Rejected by an agent on 1 March, then appealed: the decision is
    # reopened and leaves the SLA share.
    r["r9"] = request_on(
        o["feb"],
        created_at=sh(2, 28, 10),
        status="pending_review",
        reason="other",
        source="agent",
        decided_at=sh(3, 1, 9),
        review_due_at=sh(3, 2, 10),
    )

    feedback_on(r["r6"], 4, sh(2, 28, 9))
    feedback_on(r["r1"], 5, sh(3, 2, 9), "很快")
    feedback_on(r["r2"], 2, sh(3, 12, 9), "退款金额不对")
    feedback_on(r["r3"], 1, sh(3, 22, 9), "为什么拒绝")
    feedback_on(r["r5"], 3, sh(4, 3, 9), "还行")
    return s


# March 2025, worked out by hand from march_2025().
MARCH: dict[str, Any] = {
    "month": "2025-03",
    "orders": 7,  # o1 o2 o3 o4 o5 o7 o8
    "refund_requests": 7,  # r1 r2 r3 r3b r4 r7 r8
    "refunded_orders": 5,  # o1 o2 o4 o5 o7
    "refund_rate": 0.7143,  # 5 / 7
    "refund_amount": "75.30",  # 24.00 + 10.50 + 4.80 + 24.00 + 12.00
    "resolved_requests": 3,  # r1 (2 h), r2 (24 h), r6 (30 h)
    "avg_resolution_hours": 18.67,  # 56 / 3
    "p90_resolution_hours": 28.8,  # 24 + 0.8 * (30 - 24)
    "decided_requests": 5,  # r1 r2 r3 r4 r8
    "auto_decided_share": 0.4,  # r1 r4
    "staff_decisions": 3,  # r2 r3 r8 (r9 reopened by its appeal)
    "review_sla_met_share": 0.6667,  # r2 r8
    "avg_customer_wait_hours": None,  # no request waited for its customer
    "satisfaction_avg": 2.67,  # (5 + 2 + 1) / 3
    "satisfaction_count": 3,
    # The requests on March's orders (r5 filed in April included), adding
    # up to refund_amount: 48.00 + 10.50 + 4.80 + 12.00 = 75.30.
    "by_reason": [
        {"reason": "changed_mind", "count": 2, "amount": "0.00"},  # r3b (cancelled), r3
        {"reason": "not_delivered", "count": 2, "amount": "48.00"},  # r1, r5
        {"reason": "food_quality", "count": 1, "amount": "10.50"},
        {"reason": "late_delivery", "count": 1, "amount": "4.80"},
        {"reason": "other", "count": 1, "amount": "0.00"},  # r7, under review
        {"reason": "wrong_items", "count": 1, "amount": "12.00"},
    ],
    "by_merchant": [
        {
            "merchant": "M001",
            "name": "老王川菜馆",
            "orders": 4,
            "refunded_orders": 3,
            "refund_rate": 0.75,
        },
        {
            "merchant": "M002",
            "name": "小李面馆",
            "orders": 3,
            "refunded_orders": 2,
            "refund_rate": 0.6667,
        },
    ],
    # The same granted requests by who bears them, adding up to
    # refund_amount: the food (r2, r8) is the merchant's, lateness (r4) the
    # courier's, orders never picked up (r1, r5) the platform's.
    "by_liability": [
        {"liability": "merchant", "count": 2, "amount": "22.50"},  # 10.50 + 12.00
        {"liability": "courier", "count": 1, "amount": "4.80"},
        {"liability": "platform", "count": 2, "amount": "48.00"},
    ],
}

APRIL: dict[str, Any] = {
    "month": "2025-04",
    "orders": 1,
    "refund_requests": 1,  # r5, on a March order
    "refunded_orders": 0,
    "refund_rate": 0.0,
    "refund_amount": "0.00",
    "resolved_requests": 1,
    "avg_resolution_hours": 5.0,
    "p90_resolution_hours": 5.0,
    "decided_requests": 1,
    "auto_decided_share": 1.0,
    "staff_decisions": 0,
    "review_sla_met_share": None,
    "avg_customer_wait_hours": None,
    "satisfaction_avg": 3.0,
    "satisfaction_count": 1,
    # r5 was filed in April but its order is March's: it counts there.
    "by_reason": [],
    "by_merchant": [
        {
            "merchant": "M002",
            "name": "小李面馆",
            "orders": 1,
            "refunded_orders": 0,
            "refund_rate": 0.0,
        }
    ],
    "by_liability": [
        {"liability": "merchant", "count": 0, "amount": "0.00"},
        {"liability": "courier", "count": 0, "amount": "0.00"},
        {"liability": "platform", "count": 0, "amount": "0.00"},
    ],
}


def empty_month(month: str) -> dict[str, Any]:
    return {
        "month": month,
        "orders": 0,
        "refund_requests": 0,
        "refunded_orders": 0,
        "refund_rate": 0.0,
        "refund_amount": "0.00",
        "resolved_requests": 0,
        "avg_resolution_hours": None,
        "p90_resolution_hours": None,
        "decided_requests": 0,
        "auto_decided_share": None,
        "staff_decisions": 0,
        "review_sla_met_share": None,
        "avg_customer_wait_hours": None,
        "satisfaction_avg": None,
        "satisfaction_count": 0,
        "by_reason": [],
        "by_merchant": [],
        "by_liability": [
            {"liability": liability, "count": 0, "amount": "0.00"}
            for liability in ("merchant", "courier", "platform")
        ],
    }


# --- A year of history, for the dashboard in a browser ---------------------------

COMMENTS = [
    "等了一个多小时，饭都凉了",
    "退款金额不对，少退了配送费",
    "客服处理太慢",
    "包装破了，汤洒了一袋子",
]


def year_of_history(now: datetime, *, orders_per_month: int = 60) -> None:
    """Twelve months of orders at four merchants up to ``now``, about one in
    eight refunded, paid within hours to days, with ratings: bare rows,
    written in bulk, the same every run."""
    import random

    from orders.models import Merchant, Order, Tender

    rng = random.Random(20250301)
    customer = UserFactory(role=roles.CUSTOMER)
    merchants = [
        Merchant.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in [
            ("M001", "老王川菜馆"),
            ("M002", "小李面馆"),
            ("M003", "阿香米线"),
            ("M004", "庆丰包子铺"),
        ]
    ]
    start = now - timedelta(days=360)
    total = orders_per_month * 12
    times = sorted(start + (now - start) * rng.random() for _ in range(total))
    times = [t for t in times if t < now - timedelta(hours=3)]
    orders = Order.objects.bulk_create(
        Order(
            number=f"H{index:06d}",
            customer=customer,
            merchant=merchants[index % 4 if index % 7 else 0],
            placed_at=at,
            promised_at=at + timedelta(minutes=40),
            items_total=Decimal("36.00"),
            paid_total=Decimal("36.00"),
            payload_digest="-",
        )
        for index, at in enumerate(times)
    )
    if not orders[0].pk:
        orders = list(Order.objects.filter(number__startswith="H").order_by("number"))
    Tender.objects.bulk_create(
        Tender(order=order, position=0, method="alipay", amount=order.paid_total, account="a:1")
        for order in orders
    )
    reasons = REASONS_MOST_FILED_FIRST
    for order in orders:
        if rng.random() > 0.14:
            continue
        created = order.placed_at + timedelta(minutes=rng.randint(30, 120))
        reason = reasons[min(int(rng.expovariate(0.45)), len(reasons) - 1)]
        roll = rng.random()
        staff = roll < 0.45
        decided = created + timedelta(hours=rng.choice([1, 3, 8, 20, 30]) if staff else 0)
        if decided >= now:
            continue
        status = "rejected" if roll > 0.85 else "refunded"
        approved = None if status == "rejected" else f"{rng.choice([7.2, 18, 36]):.2f}"
        request = RefundRequest.objects.create(
            order=order,
            customer=customer,
            reason=reason,
            status=status,
            whole_order=True,
            requested_amount=Decimal("36.00"),
            approved_amount=Decimal(approved) if approved else None,
            decision_source="agent" if staff else "auto",
            decided_at=decided,
            review_due_at=created + timedelta(hours=24),
            created_at=created,
            updated_at=decided,
        )
        if approved:
            paid = decided + timedelta(minutes=rng.randint(2, 60 * rng.choice([1, 6, 30])))
            if paid >= now:
                RefundRequest.objects.filter(pk=request.pk).update(status="approved")
                continue
            payout_for(request, approved, succeeded_at=paid)
            if rng.random() < 0.5 and paid + timedelta(hours=2) < now:
                rating = rng.choice([5, 5, 4, 4, 4, 3, 2, 1])
                comment = rng.choice(COMMENTS) if rating <= 2 else "处理很快，谢谢"
                feedback_on(request, rating, paid + timedelta(hours=2), comment)
        elif decided + timedelta(hours=1) < now:
            feedback_on(request, rng.choice([1, 2]), decided + timedelta(hours=1), "为什么拒绝？")
