"""The reads behind the KPIs: each function is one aggregate query (or, for
the SQLite percentile, a few) over a half-open range of instants
``[start, end)``. Nothing here loops over rows in Python; the database
counts, sums and averages.

The definitions they implement are written out in docs/analytics.md.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    F,
    FloatField,
    Func,
    Max,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from orders.models import Merchant, Order
from payouts.models import Payout
from refunds.models import DecisionSource, Feedback, RefundPolicy, RefundRequest
from refunds.states import GRANTED, RefundStatus

# A request whose review is over: granted or rejected. A pending one is not
# decided (auto-review only routed it to staff); a cancelled one never was.
DECIDED = GRANTED | {RefundStatus.REJECTED}

PERCENTILE = 0.9

# A request that waited for its customer: the review clock stood still.
WAITED = Q(customer_wait__gt=timedelta(0))


class HoursBetween(Func):
    """``end - start`` in hours, as a float, computed by the database."""

    output_field = FloatField()
    arg_joiner = " - "
    template = "(CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision) / 3600.0)"

    def __init__(self, start: Any, end: Any) -> None:
        super().__init__(end, start)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # julianday(end) - julianday(start), in days.
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 24.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class HoursAsDuration(Func):
    """A whole number of hours as a duration the database can add to a time:
    an interval on PostgreSQL, microseconds (how Django stores a duration)
    on SQLite."""

    output_field = DurationField()
    template = "(%(expressions)s * INTERVAL '1 hour')"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(
            compiler, connection, template="(%(expressions)s * 3600000000)", **extra_context
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ``PERCENTILE_CONT(f) WITHIN GROUP (ORDER BY x)``: the
    value at rank ``f * (n - 1)``, interpolated between its neighbours."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("a percentile is a fraction between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


# A request is filed after its order was placed (the ordering system's clock
# may run a few minutes ahead): the requests of the orders placed from
# ``start`` on were all created after ``start - REQUEST_LEAD``. Bounding them
# so lets the created_at index find them instead of a scan of every request.
REQUEST_LEAD = timedelta(days=1)


def granted_order_ids(start: datetime, end: datetime) -> QuerySet[Any, Any]:
    """Orders with a granted request (filed any time after ``start``)."""
    return (
        RefundRequest.objects.filter(status__in=GRANTED, created_at__gte=start - REQUEST_LEAD)
        .order_by()
        .values("order_id")
    )


def order_totals(start: datetime, end: datetime) -> dict[str, Any]:
    """``orders`` placed in the range and ``refunded_orders`` among them."""
    return Order.objects.filter(placed_at__gte=start, placed_at__lt=end).aggregate(
        orders=Count("pk"),
        refunded_orders=Count("pk", filter=Q(pk__in=granted_order_ids(start, end))),
    )


@dataclass(frozen=True)
class OrderFigures:
    orders: int
    refunded_orders: int
    refund_amount: Decimal
    merchants: list[dict[str, Any]]


# One pass over the range's orders, joined to their granted requests summed
# per order: per merchant the orders and refunded orders, and over all
# merchants (window sums, taken before the LIMIT) the month's totals and its
# refund amount. Portable between PostgreSQL and SQLite.
_ORDER_FIGURES_SQL = """
SELECT t.merchant_id, m.code, m.name, t.orders, t.refunded_orders,
       t.total_orders, t.total_refunded, t.total_amount
FROM (
    SELECT o.merchant_id AS merchant_id,
           COUNT(*) AS orders,
           COUNT(g.order_id) AS refunded_orders,
           SUM(COUNT(*)) OVER () AS total_orders,
           SUM(COUNT(g.order_id)) OVER () AS total_refunded,
           SUM(SUM(g.amount)) OVER () AS total_amount
    FROM {order} o
    LEFT JOIN (
        SELECT r.order_id AS order_id, SUM(r.approved_amount) AS amount
        FROM {request} r
        WHERE r.status IN ({granted}) AND r.created_at >= %s
        GROUP BY r.order_id
    ) g ON g.order_id = o.id
    WHERE o.placed_at >= %s AND o.placed_at < %s
    GROUP BY o.merchant_id
) t
JOIN {merchant} m ON m.id = t.merchant_id
ORDER BY 1.0 * t.refunded_orders / t.orders DESC, t.orders DESC, m.code
LIMIT %s
"""


def order_figures(start: datetime, end: datetime, *, limit: int = 20) -> OrderFigures:
    """Orders placed in the range, those with a granted request, the
    approved amounts of those requests, and the ``limit`` merchants with the
    highest refund rate (then more orders, then code): one query."""
    quote = connection.ops.quote_name
    granted = sorted(GRANTED)
    sql = _ORDER_FIGURES_SQL.format(
        order=quote(Order._meta.db_table),
        request=quote(RefundRequest._meta.db_table),
        merchant=quote(Merchant._meta.db_table),
        granted=", ".join(["%s"] * len(granted)),
    )
    moment = connection.ops.adapt_datetimefield_value
    params = [*granted, moment(start - REQUEST_LEAD), moment(start), moment(end), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return OrderFigures(0, 0, Decimal("0"), [])
    first = rows[0]
    return OrderFigures(
        orders=int(first[5]),
        refunded_orders=int(first[6]),
        # SQLite sums decimals as floats: through str, then to the cent.
        refund_amount=Decimal(str(first[7] or 0)),
        merchants=[
            {
                "merchant_id": row[0],
                "merchant__code": row[1],
                "merchant__name": row[2],
                "orders": int(row[3]),
                "refunded_orders": int(row[4]),
            }
            for row in rows
        ],
    )


def merchant_rates(
    start: datetime,
    end: datetime,
    *,
    limit: int | None = 20,
    min_orders: int = 1,
    merchant_ids: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Per merchant with at least ``min_orders`` orders placed in the range:
    ``orders``, ``refunded_orders`` and ``rate``, highest rate first (then
    more orders, then code)."""
    orders = Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
    if merchant_ids is not None:
        orders = orders.filter(merchant_id__in=merchant_ids)
    rows = (
        orders.order_by()
        .values("merchant_id", "merchant__code", "merchant__name")
        .annotate(
            orders=Count("pk"),
            refunded_orders=Count("pk", filter=Q(pk__in=granted_order_ids(start, end))),
        )
        .filter(orders__gte=min_orders)
        .annotate(rate=Cast("refunded_orders", FloatField()) / Cast("orders", FloatField()))
        .order_by("-rate", "-orders", "merchant__code")
    )
    return list(rows[:limit] if limit is not None else rows)


def merchants_below(start: datetime, end: datetime, min_orders: int) -> int:
    """How many merchants had orders placed in the range, but fewer than
    ``min_orders``: too few for their refund rate to be ranked."""
    return (
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .order_by()
        .values("merchant_id")
        .annotate(orders=Count("pk"))
        .filter(orders__lt=min_orders)
        .count()
    )


def reasons_of_orders_placed(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The requests on the orders placed in the range, per reason: how many,
    and the approved amount of the granted ones. The same population as the
    refund amount, so that the amounts add up to it to the cent."""
    return list(
        RefundRequest.objects.filter(
            order__placed_at__gte=start,
            order__placed_at__lt=end,
            created_at__gte=start - REQUEST_LEAD,
        )
        .order_by()
        .values("reason")
        .annotate(count=Count("pk"), amount=Sum("approved_amount", filter=Q(status__in=GRANTED)))
        .order_by("-count", "reason")
    )


def liabilities_of_orders_placed(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The granted requests on the orders placed in the range, per who bears
    them: how many, and their approved amount. The refund amount's
    population, so that the amounts add up to it to the cent."""
    return list(
        RefundRequest.objects.filter(
            order__placed_at__gte=start,
            order__placed_at__lt=end,
            created_at__gte=start - REQUEST_LEAD,
            status__in=GRANTED,
        )
        .order_by()
        .values("liability")
        .annotate(count=Count("pk"), amount=Sum("approved_amount"))
    )


def reason_breakdown(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Requests created in the range, per reason: how many, the approved
    amount of the granted ones, how many are decided and how many of those
    auto-review decided, how many waited for their customer and how long in
    all. At most one row per reason, most frequent first."""
    return list(
        RefundRequest.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values("reason")
        .annotate(
            count=Count("pk"),
            amount=Sum("approved_amount", filter=Q(status__in=GRANTED)),
            decided=Count("pk", filter=Q(status__in=DECIDED)),
            auto_decided=Count(
                "pk", filter=Q(status__in=DECIDED, decision_source=DecisionSource.AUTO)
            ),
            waited=Count("pk", filter=WAITED),
            customer_wait=Sum("customer_wait", filter=WAITED),
        )
        .order_by("-count", "reason")
    )


def resolved_requests(start: datetime, end: datetime) -> QuerySet[Any, Any]:
    """Requests refunded in the range, each with ``resolved_at`` (the last
    success of its open payouts) and ``hours`` from creation to then."""
    paid_in_range = (
        Payout.objects.filter(closed=False, succeeded_at__gte=start, succeeded_at__lt=end)
        .order_by()
        .values("refund_id")
    )
    return (
        RefundRequest.objects.filter(status=RefundStatus.REFUNDED, pk__in=paid_in_range)
        .order_by()
        .annotate(resolved_at=Max("payouts__succeeded_at", filter=Q(payouts__closed=False)))
        .filter(resolved_at__gte=start, resolved_at__lt=end)
        .annotate(hours=HoursBetween(F("created_at"), F("resolved_at")))
    )


@dataclass(frozen=True)
class Resolution:
    count: int
    avg_hours: float | None
    p90_hours: float | None


def resolution_stats(start: datetime, end: datetime) -> Resolution:
    """Count, mean and 90th percentile of the resolution hours.

    PostgreSQL computes the percentile with ``PERCENTILE_CONT(0.9)``. SQLite
    has no percentile aggregate: there the database counts the values, then
    returns the (at most two) values around rank ``0.9 * (n - 1)`` in order,
    and they are interpolated exactly as ``PERCENTILE_CONT`` does, so both
    databases give the same figure.
    """
    resolved = resolved_requests(start, end)
    if connection.vendor == "postgresql":
        row = resolved.aggregate(
            count=Count("pk"), avg=Avg("hours"), p90=PercentileCont("hours", PERCENTILE)
        )
        return Resolution(row["count"], row["avg"], row["p90"])
    row = resolved.aggregate(count=Count("pk"), avg=Avg("hours"))
    count = row["count"]
    if not count:
        return Resolution(0, None, None)
    rank = PERCENTILE * (count - 1)
    lower = math.floor(rank)
    around = list(
        resolved.order_by("hours", "pk").values_list("hours", flat=True)[lower : lower + 2]
    )
    value = around[0]
    if len(around) > 1:
        value += (rank - lower) * (around[1] - around[0])
    return Resolution(count, row["avg"], value)


def review_sla_allowed() -> Any:
    """The policy's review SLA as a duration, read by the query that needs
    it (a subquery, not a query of its own); the field's default while no
    policy row exists yet."""
    hours = Coalesce(
        Subquery(RefundPolicy.objects.filter(pk=1).values("review_sla_hours")[:1]),
        Value(RefundPolicy._meta.get_field("review_sla_hours").get_default()),
    )
    return HoursAsDuration(hours)


def review_sla(start: datetime, end: datetime) -> dict[str, int]:
    """Staff decisions made in the range (``decisions``) and how many of them
    were made within the review SLA (``met``): the time from filing to the
    decision, less the time the request waited for its customer, is at most
    the policy's review SLA. The review of an appeal starts at the appeal:
    its decision is held against the appeal's own ``review_due_at`` (pushed
    back by any wait during that review). A decision that an appeal has
    since reopened is left out: its due time now belongs to the appeal."""
    in_time = F("created_at") + F("customer_wait") + review_sla_allowed()
    return (
        RefundRequest.objects.filter(
            decision_source=DecisionSource.AGENT, decided_at__gte=start, decided_at__lt=end
        )
        .exclude(status=RefundStatus.PENDING_REVIEW)
        .aggregate(
            decisions=Count("pk"),
            met=Count(
                "pk",
                filter=Q(appeal__isnull=True, decided_at__lte=in_time)
                | Q(appeal__isnull=False, decided_at__lte=F("review_due_at")),
            ),
        )
    )


def satisfaction(start: datetime, end: datetime) -> dict[str, Any]:
    """Mean rating and count of the feedback given in the range."""
    return Feedback.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        avg=Avg("rating"), count=Count("pk")
    )


def low_ratings(start: datetime, end: datetime, *, limit: int = 10) -> list[Feedback]:
    """The newest feedback rated 2 or less given in the range."""
    return list(
        Feedback.objects.filter(created_at__gte=start, created_at__lt=end, rating__lte=2)
        .select_related("request__order__merchant")
        .order_by("-created_at", "-id")[:limit]
    )


def first_activity() -> datetime | None:
    """The earliest order: no KPI has data before it."""
    first: datetime | None = (
        Order.objects.order_by("placed_at").values_list("placed_at", flat=True).first()
    )
    return first
