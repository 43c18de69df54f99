"""The managers' KPI dashboard and its exports: thin views over the same
service the API answers from, so a card, the CSV and the API agree to the
cent."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts import roles
from accounts.decorators import AuthenticatedHttpRequest, role_required
from orders.models import Merchant
from refundportal import clock
from refundportal.api import ApplicationError
from refundportal.money import ZERO, format_cny
from refunds.models import Liability, Reason

from . import charts, exports, selectors
from .months import Month
from .services import (
    TARGET_AVG_RESOLUTION_HOURS,
    TARGET_REFUND_RATE,
    TARGET_SATISFACTION,
    Kpis,
    Windows,
    kpis_for_month,
    kpis_for_months,
    ratio,
)
from .templatetags.kpi import hours, pct

TREND_MONTHS = 12
LOW_RATINGS = 10
LEAGUE_SIZE = 10

manager_required = role_required(roles.MANAGER)


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    value: str
    detail: str = ""
    target: str = ""
    # "ok" (target met), "bad" (missed), "" (no target, or no data)
    status: str = ""

    @property
    def on_target(self) -> bool:
        return self.status == "ok"

    @property
    def off_target(self) -> bool:
        return self.status == "bad"


def _status(met: bool | None) -> str:
    if met is None:
        return ""
    return "ok" if met else "bad"


def kpi_cards(kpis: Kpis, *, in_progress: bool = False) -> list[Card]:
    """The month's headline figures, each against its seed target if it has
    one. A month in progress is judged against no target: its figures still
    move, so it shows neither "on target" nor "off target"."""
    judged = not in_progress
    rate_met = kpis.refund_rate < TARGET_REFUND_RATE if kpis.orders and judged else None
    avg = kpis.avg_resolution_hours
    sat = kpis.satisfaction_avg
    return [
        Card(
            "refund_rate",
            _("Refund rate"),
            pct(kpis.refund_rate) if kpis.orders else "—",
            _("%(refunded)s of %(orders)s orders placed in the month")
            % {"refunded": kpis.refunded_orders, "orders": kpis.orders}
            if kpis.orders
            else _("No orders placed in the month"),
            _("Target: below %(target)s") % {"target": pct(TARGET_REFUND_RATE, 0)},
            _status(rate_met),
        ),
        Card(
            "refund_amount",
            _("Refund amount"),
            format_cny(kpis.refund_amount),
            _("approved for %(orders)s refunded orders placed in the month")
            % {"orders": kpis.refunded_orders},
        ),
        Card(
            "avg_resolution_hours",
            _("Average resolution"),
            hours(avg),
            _("%(count)s requests refunded") % {"count": kpis.resolved_requests},
            _("Target: %(target)s or less") % {"target": hours(TARGET_AVG_RESOLUTION_HOURS)},
            _status(None if avg is None or not judged else avg <= TARGET_AVG_RESOLUTION_HOURS),
        ),
        Card(
            "p90_resolution_hours",
            _("90th percentile resolution"),
            hours(kpis.p90_resolution_hours),
            _("9 in 10 refunds are done within this time"),
        ),
        Card(
            "auto_decided_share",
            _("Decided automatically"),
            pct(kpis.auto_decided_share),
            _("of %(count)s decided requests") % {"count": kpis.decided_requests},
        ),
        Card(
            "review_sla_met_share",
            _("Review SLA met"),
            pct(kpis.review_sla_met_share),
            _("of %(count)s staff decisions") % {"count": kpis.staff_decisions},
        ),
        Card(
            "avg_customer_wait_hours",
            _("Average wait for the customer"),
            hours(kpis.avg_customer_wait_hours),
            _("average per request that waited for the customer's answer")
            if kpis.avg_customer_wait_hours is not None
            else _("No request waited for the customer"),
        ),
        Card(
            "satisfaction_avg",
            _("Satisfaction"),
            "—" if sat is None else f"{sat:.2f} / 5",
            _("%(count)s ratings") % {"count": kpis.satisfaction_count},
            _("Target: %(target)s or more") % {"target": f"{TARGET_SATISFACTION:.1f}"},
            _status(None if sat is None or not judged else sat >= TARGET_SATISFACTION),
        ),
    ]


def _month(request: HttpRequest) -> tuple[Month, str]:
    """The month asked for, or the current one with the error to show."""
    text = request.GET.get("month") or ""
    if not text:
        return Month.of(clock.now()), ""
    try:
        return Month.parse(text), ""
    except ApplicationError as error:
        return Month.of(clock.now()), error.detail


def _merchant_focus(code: str, month: Month) -> dict[str, Any] | None:
    """One merchant's month and its last 7 days against the 8 weeks before:
    what an anomaly alert links to."""
    merchant = Merchant.objects.filter(code=code).first()
    if merchant is None:
        return None
    windows = Windows.ending(clock.now())

    def rates(start: Any, end: Any) -> dict[str, Any] | None:
        rows = selectors.merchant_rates(start, end, limit=1, merchant_ids=[merchant.pk])
        return rows[0] if rows else None

    in_month = rates(month.start, month.end)
    recent = rates(windows.recent_start, windows.recent_end)
    baseline = rates(windows.baseline_start, windows.recent_start)
    return {
        "merchant": merchant,
        "month": in_month,
        "month_rate": ratio(in_month["refunded_orders"], in_month["orders"]) if in_month else None,
        "recent": recent,
        "recent_rate": ratio(recent["refunded_orders"], recent["orders"]) if recent else None,
        "baseline": baseline,
        "baseline_rate": (
            ratio(baseline["refunded_orders"], baseline["orders"]) if baseline else None
        ),
        "since": windows.recent_start.date(),
        "until": (windows.recent_end - timedelta(days=1)).date(),
    }


@manager_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    month, error = _month(request)
    league_min = int(settings.KPI_LEAGUE_MIN_ORDERS)
    now = clock.now()
    current = Month.of(now)
    months = [month.plus(-i) for i in range(TREND_MONTHS - 1, -1, -1)]
    trend = kpis_for_months(months, now=now)
    kpis = trend[-1]
    merchant_code = (request.GET.get("merchant") or "").strip()[:64]
    reasons = [
        {"reason": row.reason, "label": Reason(row.reason).label, "row": row}
        for row in kpis.by_reason
    ]
    context = {
        "month": month,
        "month_value": str(month),
        "current_month": str(current),
        "previous_month": str(month.previous()),
        "next_month": str(month.next()) if month < current else "",
        "is_current": month == current,
        "error": error,
        "kpis": kpis,
        "cards": kpi_cards(kpis, in_progress=month == current),
        "has_data": bool(kpis.orders or kpis.refund_requests),
        "league": selectors.merchant_rates(
            month.start, month.end, limit=LEAGUE_SIZE, min_orders=league_min
        ),
        "league_min_orders": league_min,
        "unranked_merchants": selectors.merchants_below(month.start, month.end, league_min),
        "reasons": reasons,
        "reasons_count": sum(row.count for row in kpis.by_reason),
        "reasons_amount": sum((row.amount for row in kpis.by_reason), ZERO),
        "bearers": [
            {"liability": row.liability, "label": Liability(row.liability).label, "row": row}
            for row in kpis.by_liability
        ],
        "bearers_count": sum(row.count for row in kpis.by_liability),
        "bearers_amount": sum((row.amount for row in kpis.by_liability), ZERO),
        "merchant_code": merchant_code,
        "focus": _merchant_focus(merchant_code, month) if merchant_code else None,
        "low_ratings": selectors.low_ratings(month.start, month.end, limit=LOW_RATINGS),
        "charts": {
            "refund_rate": charts.refund_rate_chart(months, trend),
            "refund_amount": charts.refund_amount_chart(months, trend),
            "resolution": charts.resolution_chart(months, trend),
            "reasons": charts.reasons_chart(kpis) if kpis.by_reason else "",
        },
        "trend_first": str(months[0]),
    }
    return render(request, "analytics/dashboard.html", context, status=400 if error else 200)


def _export_month(request: HttpRequest) -> Month:
    text = request.GET.get("month") or ""
    return Month.parse(text) if text else Month.of(clock.now())


def _bad_month(error: ApplicationError) -> HttpResponse:
    return HttpResponse(
        error.detail, status=error.status_code, content_type="text/plain; charset=utf-8"
    )


@manager_required
def export_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        month = _export_month(request)
    except ApplicationError as error:
        return _bad_month(error)
    kpis = kpis_for_month(month)
    response = HttpResponse(exports.to_csv(kpis), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(kpis, "csv")}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@manager_required
def export_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        month = _export_month(request)
    except ApplicationError as error:
        return _bad_month(error)
    kpis = kpis_for_month(month)
    response = HttpResponse(exports.to_xlsx(kpis), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(kpis, "xlsx")}"'
    return response
