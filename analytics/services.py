"""The KPIs of SPEC section 7: computed live over any range of instants, read
from the monthly roll-up for closed months, and the two periodic jobs that
write (``kpi_rollup``, ``anomaly_check``).

Every figure the API, the dashboard and the exports show comes from
:func:`kpis_for_month`, so they agree to the cent. The exact definitions are
in docs/analytics.md.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts import roles
from refundportal import clock
from refundportal.money import ZERO, to_money
from refunds.models import Liability

from . import selectors
from .models import AnomalyAlert, AnomalyCheck, AnomalyKind, MonthlyKpi
from .months import Month, business_tz

logger = logging.getLogger(__name__)

TOP_MERCHANTS = 20
RATIO_PLACES = 4
HOURS_PLACES = 2
RATING_PLACES = 2

# The seed targets of SPEC section 7.
TARGET_REFUND_RATE = 0.05  # below
TARGET_AVG_RESOLUTION_HOURS = 48.0  # at most
TARGET_SATISFACTION = 4.0  # at least


def ratio(numerator: int, denominator: int) -> float | None:
    """A share in 0..1 rounded to 4 places; ``None`` with nothing to divide by."""
    if not denominator:
        return None
    return round(numerator / denominator, RATIO_PLACES)


def _rounded(value: Any, places: int) -> float | None:
    return None if value is None else round(float(value), places)


def average_hours(total: timedelta, count: int) -> float | None:
    """``total / count`` in hours, 2 places; ``None`` when ``count`` is 0."""
    if not count:
        return None
    return round(total.total_seconds() / 3600 / count, HOURS_PLACES)


@dataclass(frozen=True)
class ReasonFigures:
    reason: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class LiabilityFigures:
    liability: str
    count: int
    amount: Decimal


def liability_figures(rows: Sequence[Mapping[str, Any]]) -> tuple[LiabilityFigures, ...]:
    """One row per party that may bear a refund, in a fixed order, those
    that bore nothing with zeros."""
    found = {row["liability"]: row for row in rows}
    return tuple(
        LiabilityFigures(
            liability,
            int(found[liability]["count"]) if liability in found else 0,
            to_money(found[liability]["amount"] or ZERO) if liability in found else ZERO,
        )
        for liability in Liability.values
    )


@dataclass(frozen=True)
class MerchantFigures:
    merchant: str
    name: str
    orders: int
    refunded_orders: int
    refund_rate: float


@dataclass(frozen=True)
class Kpis:
    """The figures of one period; ``computed_at`` is set when they were read
    from the roll-up rather than computed now."""

    month: str
    orders: int
    refund_requests: int
    refunded_orders: int
    refund_rate: float
    refund_amount: Decimal
    resolved_requests: int
    avg_resolution_hours: float | None
    p90_resolution_hours: float | None
    decided_requests: int
    auto_decided_share: float | None
    staff_decisions: int
    review_sla_met_share: float | None
    avg_customer_wait_hours: float | None
    satisfaction_avg: float | None
    satisfaction_count: int
    by_reason: tuple[ReasonFigures, ...]
    by_merchant: tuple[MerchantFigures, ...]
    by_liability: tuple[LiabilityFigures, ...]
    computed_at: datetime | None = None

    @property
    def is_rolled_up(self) -> bool:
        return self.computed_at is not None

    def as_dict(self) -> dict[str, Any]:
        """The API's shape: money as ``"12.50"``, ratios as numbers."""
        data = asdict(self)
        data.pop("computed_at")
        data["refund_amount"] = f"{self.refund_amount:.2f}"
        data["by_reason"] = [{**asdict(r), "amount": f"{r.amount:.2f}"} for r in self.by_reason]
        data["by_merchant"] = [asdict(m) for m in self.by_merchant]
        data["by_liability"] = [
            {**asdict(row), "amount": f"{row.amount:.2f}"} for row in self.by_liability
        ]
        return data


def kpis_for_range(start: datetime, end: datetime, *, label: str = "") -> Kpis:
    """Every KPI over ``[start, end)``, computed now by the database."""
    placed = selectors.order_figures(start, end, limit=TOP_MERCHANTS)
    reasons = selectors.reason_breakdown(start, end)
    resolution = selectors.resolution_stats(start, end)
    sla = selectors.review_sla(start, end)
    rated = selectors.satisfaction(start, end)

    # At most one row per reason code: the sums run over a handful of
    # grouped rows, not over requests.
    decided = sum(row["decided"] for row in reasons)
    auto_decided = sum(row["auto_decided"] for row in reasons)
    waited = sum(row["waited"] for row in reasons)
    customer_wait = sum((row["customer_wait"] or timedelta(0) for row in reasons), timedelta(0))
    return Kpis(
        month=label,
        orders=placed.orders,
        refund_requests=sum(row["count"] for row in reasons),
        refunded_orders=placed.refunded_orders,
        refund_rate=ratio(placed.refunded_orders, placed.orders) or 0.0,
        refund_amount=to_money(placed.refund_amount),
        resolved_requests=resolution.count,
        avg_resolution_hours=_rounded(resolution.avg_hours, HOURS_PLACES),
        p90_resolution_hours=_rounded(resolution.p90_hours, HOURS_PLACES),
        decided_requests=decided,
        auto_decided_share=ratio(auto_decided, decided),
        staff_decisions=sla["decisions"],
        review_sla_met_share=ratio(sla["met"], sla["decisions"]),
        avg_customer_wait_hours=average_hours(customer_wait, waited),
        satisfaction_avg=_rounded(rated["avg"], RATING_PLACES),
        satisfaction_count=rated["count"],
        by_reason=tuple(
            ReasonFigures(row["reason"], row["count"], to_money(row["amount"] or ZERO))
            for row in selectors.reasons_of_orders_placed(start, end)
        ),
        by_merchant=tuple(
            MerchantFigures(
                merchant=row["merchant__code"],
                name=row["merchant__name"],
                orders=row["orders"],
                refunded_orders=row["refunded_orders"],
                refund_rate=ratio(row["refunded_orders"], row["orders"]) or 0.0,
            )
            for row in placed.merchants
        ),
        by_liability=liability_figures(selectors.liabilities_of_orders_placed(start, end)),
    )


def kpis_compute(month: Month) -> Kpis:
    """The month's KPIs computed live, whether or not it is rolled up."""
    return kpis_for_range(month.start, month.end, label=str(month))


def current_month(now: datetime | None = None) -> Month:
    return Month.of(now or clock.now())


def kpis_for_month(month: Month, *, now: datetime | None = None) -> Kpis:
    """A closed month from its roll-up (one indexed read) when there is one;
    the current month, a future one, or a closed one not rolled up yet, live."""
    if month < current_month(now):
        row = MonthlyKpi.objects.filter(month=str(month)).first()
        if row is not None:
            return kpis_from_row(row)
    return kpis_compute(month)


def kpis_for_months(months: Sequence[Month], *, now: datetime | None = None) -> list[Kpis]:
    """Several months (a trend): the rolled-up ones in one query, those
    before the first order empty without a query, the others live."""
    current = current_month(now)
    closed = [str(m) for m in months if m < current]
    rows = {row.month: row for row in MonthlyKpi.objects.filter(month__in=closed)}
    missing = [m for m in months if str(m) not in rows]
    first = selectors.first_activity() if missing else None
    first_month = Month.of(first) if first is not None else None

    def figures(month: Month) -> Kpis:
        if str(month) in rows:
            return kpis_from_row(rows[str(month)])
        if first_month is None or month < first_month:
            return empty_kpis(str(month))
        return kpis_compute(month)

    return [figures(m) for m in months]


def empty_kpis(label: str) -> Kpis:
    """The figures of a period with no data at all: zeros and nulls."""
    return Kpis(
        month=label,
        orders=0,
        refund_requests=0,
        refunded_orders=0,
        refund_rate=0.0,
        refund_amount=ZERO,
        resolved_requests=0,
        avg_resolution_hours=None,
        p90_resolution_hours=None,
        decided_requests=0,
        auto_decided_share=None,
        staff_decisions=0,
        review_sla_met_share=None,
        avg_customer_wait_hours=None,
        satisfaction_avg=None,
        satisfaction_count=0,
        by_reason=(),
        by_merchant=(),
        by_liability=liability_figures([]),
    )


def kpis_from_row(row: MonthlyKpi) -> Kpis:
    return Kpis(
        month=row.month,
        orders=row.orders,
        refund_requests=row.refund_requests,
        refunded_orders=row.refunded_orders,
        refund_rate=row.refund_rate,
        refund_amount=to_money(row.refund_amount),
        resolved_requests=row.resolved_requests,
        avg_resolution_hours=row.avg_resolution_hours,
        p90_resolution_hours=row.p90_resolution_hours,
        decided_requests=row.decided_requests,
        auto_decided_share=row.auto_decided_share,
        staff_decisions=row.staff_decisions,
        review_sla_met_share=row.review_sla_met_share,
        avg_customer_wait_hours=row.avg_customer_wait_hours,
        satisfaction_avg=row.satisfaction_avg,
        satisfaction_count=row.satisfaction_count,
        by_reason=tuple(
            ReasonFigures(r["reason"], r["count"], to_money(r["amount"])) for r in row.by_reason
        ),
        by_merchant=tuple(MerchantFigures(**m) for m in row.by_merchant),
        by_liability=liability_figures(row.by_liability),
        computed_at=row.computed_at,
    )


def _row_fields(kpis: Kpis) -> dict[str, Any]:
    data = kpis.as_dict()
    data.pop("month")
    data["refund_amount"] = kpis.refund_amount
    return data


# --- The monthly roll-up ----------------------------------------------------------


def settle_days() -> int:
    return int(getattr(settings, "KPI_ROLLUP_SETTLE_DAYS", 3))


def kpi_rollup(at: datetime) -> dict[str, int]:
    """Write the roll-up of every closed month (before ``at``'s month) from
    the first month with an order on that has none yet; and recompute the
    previous month once, ``KPI_ROLLUP_SETTLE_DAYS`` after it closed, so that
    requests decided and paid in the first days of the new month count.

    A second run at the same time finds every row and changes nothing.
    """
    current = current_month(at)
    first = selectors.first_activity()
    if first is None or first >= current.start:
        return {"written": 0, "refreshed": 0}
    months = Month.of(first).until(current)
    existing = dict(
        MonthlyKpi.objects.filter(month__in=[str(m) for m in months]).values_list(
            "month", "computed_at"
        )
    )
    written = 0
    for month in months:
        if str(month) in existing:
            continue
        fields = _row_fields(kpis_compute(month))
        try:
            with transaction.atomic():
                MonthlyKpi.objects.create(month=str(month), computed_at=at, **fields)
            written += 1
        except IntegrityError:
            # A concurrent run wrote it first; its figures are as good.
            logger.info("roll-up of %s was written concurrently", month)

    refreshed = 0
    previous = current.previous()
    settled = previous.end + timedelta(days=settle_days())
    computed_at = existing.get(str(previous))
    if computed_at is not None and computed_at < settled <= at:
        fields = _row_fields(kpis_compute(previous))
        refreshed = MonthlyKpi.objects.filter(month=str(previous), computed_at__lt=settled).update(
            computed_at=at, **fields
        )
    return {"written": written, "refreshed": refreshed}


# --- Anomaly alerts ---------------------------------------------------------------

RECENT_DAYS = 7
BASELINE_WEEKS = 8


@dataclass(frozen=True)
class AnomalySettings:
    rate_jump: float
    min_points: float
    min_orders: int
    sla_target: float
    sla_min_decisions: int

    @classmethod
    def from_settings(cls) -> "AnomalySettings":
        return cls(
            rate_jump=float(getattr(settings, "ANOMALY_RATE_JUMP", 2.0)),
            min_points=float(getattr(settings, "ANOMALY_MIN_RATE_POINTS", 0.05)),
            min_orders=int(getattr(settings, "ANOMALY_MIN_ORDERS", 30)),
            sla_target=float(getattr(settings, "ANOMALY_SLA_TARGET", 0.9)),
            sla_min_decisions=int(getattr(settings, "ANOMALY_SLA_MIN_DECISIONS", 10)),
        )


@dataclass(frozen=True)
class Windows:
    """The last 7 whole business days before ``day`` and the 8 weeks before them."""

    day: date
    recent_start: datetime
    recent_end: datetime
    baseline_start: datetime

    @classmethod
    def ending(cls, at: datetime) -> "Windows":
        day = at.astimezone(business_tz()).date()
        end = datetime.combine(day, time(), tzinfo=business_tz())
        recent_start = end - timedelta(days=RECENT_DAYS)
        return cls(day, recent_start, end, recent_start - timedelta(weeks=BASELINE_WEEKS))


def is_rate_jump(recent: float, baseline: float, limits: AnomalySettings) -> bool:
    """``recent`` is at least ``rate_jump`` times ``baseline`` and at least
    ``min_points`` above it."""
    return recent >= baseline * limits.rate_jump and recent - baseline >= limits.min_points


def _pct(value: float) -> str:
    return f"{value * 100:.1f}"


def _claim_alert(kind: str, merchant_code: str, day: date, facts: dict[str, Any]) -> bool:
    """Mark ``kind``/``merchant_code`` alerted on ``day``; False when it
    already was (compare-and-swap on the row, or the unique constraint)."""
    updated = (
        AnomalyAlert.objects.filter(kind=kind, merchant_code=merchant_code)
        .exclude(last_alerted_on=day)
        .update(last_alerted_on=day, facts=facts)
    )
    if updated:
        return True
    if AnomalyAlert.objects.filter(kind=kind, merchant_code=merchant_code).exists():
        return False
    try:
        with transaction.atomic():
            AnomalyAlert.objects.create(
                kind=kind, merchant_code=merchant_code, last_alerted_on=day, facts=facts
            )
    except IntegrityError:
        return False
    return True


def anomaly_check(at: datetime) -> dict[str, int]:
    """Once a business day: alert managers of merchants whose refund rate
    over the last 7 days jumped against their 8 weeks before, and of a review
    SLA met share below target over the last 7 days."""
    from notifications.services import notify_role

    windows = Windows.ending(at)
    if AnomalyCheck.objects.filter(day=windows.day).exists():
        return {"alerts": 0}
    limits = AnomalySettings.from_settings()
    alerts = 0
    with transaction.atomic():
        recent = selectors.merchant_rates(
            windows.recent_start, windows.recent_end, limit=None, min_orders=limits.min_orders
        )
        baseline = {
            row["merchant_id"]: row
            for row in selectors.merchant_rates(
                windows.baseline_start,
                windows.recent_start,
                limit=None,
                merchant_ids=[row["merchant_id"] for row in recent],
            )
        }
        platform = selectors.order_totals(windows.baseline_start, windows.recent_start)
        platform_rate = ratio(platform["refunded_orders"], platform["orders"]) or 0.0
        for row in recent:
            before = baseline.get(row["merchant_id"])
            base_rate = before["rate"] if before else platform_rate
            if not is_rate_jump(row["rate"], base_rate, limits):
                continue
            facts = {
                "merchant_code": row["merchant__code"],
                "merchant_name": row["merchant__name"],
                "recent_orders": row["orders"],
                "recent_refunded": row["refunded_orders"],
                "recent_rate": _pct(row["rate"]),
                "baseline_rate": _pct(base_rate),
                "baseline_orders": before["orders"] if before else 0,
                "since": windows.recent_start.date().isoformat(),
                "until": (windows.recent_end - timedelta(days=1)).date().isoformat(),
            }
            if _claim_alert(
                AnomalyKind.REFUND_RATE_JUMP, row["merchant__code"], windows.day, facts
            ):
                alerts += 1
                notify_role(
                    role=roles.MANAGER,
                    event="refund_rate_anomaly",
                    facts=facts,
                    link=f"/dashboard/?merchant={row['merchant__code']}",
                )

        sla = selectors.review_sla(windows.recent_start, windows.recent_end)
        share = ratio(sla["met"], sla["decisions"])
        if (
            share is not None
            and sla["decisions"] >= limits.sla_min_decisions
            and share < limits.sla_target
        ):
            facts = {
                "decisions": sla["decisions"],
                "met": sla["met"],
                "share": _pct(share),
                "target": _pct(limits.sla_target),
                "since": windows.recent_start.date().isoformat(),
                "until": (windows.recent_end - timedelta(days=1)).date().isoformat(),
            }
            if _claim_alert(AnomalyKind.REVIEW_SLA_DRIFT, "", windows.day, facts):
                alerts += 1
                notify_role(
                    role=roles.MANAGER, event="review_sla_drift", facts=facts, link="/dashboard/"
                )
        AnomalyCheck.objects.get_or_create(
            day=windows.day, defaults={"checked_at": at, "alerts": alerts}
        )
    return {"alerts": alerts}
