"""Filters for KPI figures: shares as percentages, hours, ratings."""

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def pct(value: Any, places: int = 2) -> str:
    """A share in 0..1 as ``3.42%``; a dash when there is none."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(places)}f}%"


@register.filter
def hours(value: Any) -> str:
    """Hours as ``12.5 h`` (``12.5 小时``); a dash when there are none."""
    if value is None or value == "":
        return "—"
    return _("%(hours)s h") % {"hours": f"{float(value):.1f}"}


@register.filter
def rating(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value):.2f}"
