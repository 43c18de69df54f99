"""The dashboard's charts, drawn on the server as SVG with pygal and inlined
in the page: no JavaScript, nothing loaded from elsewhere.

pygal by default links its tooltip script from a CDN (``js``), writes an
inline configuration script and signs the SVG with comments carrying URLs;
all three are removed here. The font family puts
a CJK font first so that Chinese labels draw as characters, not boxes.
"""

import re
from collections.abc import Callable, Sequence
from typing import Any

import pygal
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from refunds.models import Reason

from .months import Month
from .services import TARGET_AVG_RESOLUTION_HOURS, TARGET_REFUND_RATE, Kpis

FONT_FAMILY = (
    '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Source Han Sans SC", sans-serif'
)
BRAND = "#ff6a00"
TARGET = "#d54941"
SECOND = "#3370ff"
MARGIN = 8

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# pygal always writes its tooltip configuration as an inline script, even
# with ``js=[]``; without the tooltip script it does nothing.
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


def _style(*colors: str) -> Style:
    return Style(
        font_family=FONT_FAMILY,
        background="transparent",
        plot_background="transparent",
        foreground="#1f2329",
        foreground_strong="#1f2329",
        foreground_subtle="#8f959e",
        colors=colors or (BRAND,),
        label_font_size=14,
        major_label_font_size=14,
        legend_font_size=14,
        opacity=".9",
        title_font_size=15,
        value_font_size=12,
        value_label_font_size=12,
        no_data_font_size=18,
    )


def _config(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "js": [],
        "disable_xml_declaration": True,
        "width": 460,
        "height": 300,
        "max_scale": 6,
        "margin": MARGIN,
        "spacing": 8,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "no_data_text": _("No data"),
        "show_y_guides": True,
        "truncate_legend": -1,
    }
    base.update(overrides)
    return base


def _extra_width(labels: Sequence[str], font_size: int) -> int:
    """pygal makes room for labels at 0.6 em a character, right for Latin
    letters; a Chinese character is a full em: the room it misses."""
    wide = max((sum(1 for c in label if ord(c) >= 0x2E80) for label in labels), default=0)
    return int(wide * font_size * 0.45)


def _render(chart: Any) -> SafeString:
    svg = _SCRIPT.sub("", _COMMENT.sub("", chart.render(is_unicode=True)))
    # pygal builds the SVG with an XML library that escapes every text it
    # is given, so the markup is safe to inline.
    return mark_safe(svg)  # noqa: S308


def month_label(month: Month) -> str:
    return f"{month.year % 100:02d}-{month.month:02d}"


def _trend(
    chart_class: Any,
    title: str,
    months: Sequence[Month],
    series: Sequence[tuple[str, list[float | None], dict[str, Any]]],
    formatter: Callable[[float], str],
    colors: Sequence[str],
    *,
    legend: bool = True,
) -> SafeString:
    chart = chart_class(
        **_config(
            title=title,
            x_labels=[month_label(m) for m in months],
            x_label_rotation=-45,
            value_formatter=formatter,
            show_legend=legend and len(series) > 1,
            style=_style(*colors),
            include_x_axis=True,
        )
    )
    for name, values, options in series:
        chart.add(name, values, **options)
    return _render(chart)


def _percent(value: float) -> str:
    return f"{value:.1f}%"


def _whole_or_fraction(value: float, places: int) -> str:
    """A whole number as it is, anything else with ``places`` decimals: an
    axis over small values reads ¥0, ¥0.50, ¥1, never ¥0, ¥0, ¥1."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.{places}f}"


def _hours(value: float) -> str:
    return _("%(hours)s h") % {"hours": _whole_or_fraction(value, 1)}


def _yuan(value: float) -> str:
    return f"¥{_whole_or_fraction(value, 2)}"


def refund_rate_chart(months: Sequence[Month], trend: Sequence[Kpis]) -> SafeString:
    rates: list[float | None] = [round(k.refund_rate * 100, 2) if k.orders else None for k in trend]
    target = TARGET_REFUND_RATE * 100
    return _trend(
        pygal.Line,
        _("Refund rate (dashed: target %(target)s)") % {"target": _percent(target)},
        months,
        [
            (_("Refund rate"), rates, {"dots_size": 3}),
            (
                _("Target"),
                [target] * len(months),
                {"show_dots": False, "stroke_style": {"dasharray": "6, 4", "width": 2}},
            ),
        ],
        _percent,
        (BRAND, TARGET),
        legend=False,
    )


def refund_amount_chart(months: Sequence[Month], trend: Sequence[Kpis]) -> SafeString:
    amounts: list[float | None] = [float(k.refund_amount) for k in trend]
    return _trend(
        pygal.Bar,
        _("Refund amount (CNY)"),
        months,
        [(_("Refund amount"), amounts, {})],
        _yuan,
        (BRAND,),
    )


def resolution_chart(months: Sequence[Month], trend: Sequence[Kpis]) -> SafeString:
    return _trend(
        pygal.Line,
        _("Resolution time (hours)"),
        months,
        [
            (_("Average"), [k.avg_resolution_hours for k in trend], {"dots_size": 3}),
            (_("90th percentile"), [k.p90_resolution_hours for k in trend], {"dots_size": 3}),
            (
                _("Target (average)"),
                [TARGET_AVG_RESOLUTION_HOURS] * len(months),
                {"show_dots": False, "stroke_style": {"dasharray": "6, 4", "width": 2}},
            ),
        ],
        _hours,
        (BRAND, SECOND, TARGET),
    )


def reasons_chart(kpis: Kpis) -> SafeString:
    """Requests per reason, the most frequent at the top."""
    rows = list(reversed(kpis.by_reason))
    labels = [str(Reason(r.reason).label) for r in rows]
    style = _style(BRAND)
    chart = pygal.HorizontalBar(
        **_config(
            title=_("Requests by reason, %(month)s") % {"month": kpis.month},
            x_labels=labels,
            show_legend=False,
            print_values=True,
            print_values_position="top",
            value_formatter=lambda value: f"{value:.0f}",
            style=style,
            height=max(200, 90 + 36 * len(rows)),
            margin_left=MARGIN + _extra_width(labels, style.label_font_size),
        )
    )
    chart.add(_("Requests"), [r.count for r in rows])
    return _render(chart)
