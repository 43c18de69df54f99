from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from refundportal.money import format_cny

register = template.Library()


@register.filter
def cny(value: Any) -> str:
    """Money as ``¥12.50``."""
    if value in (None, ""):
        return ""
    try:
        return format_cny(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


@register.filter
def cny_off(value: Any) -> str:
    """A deduction as ``-¥1.20``; nothing deducted reads ``¥0.00``, not ``-¥0.00``."""
    shown = cny(value)
    try:
        deducted = Decimal(str(value)) > 0
    except InvalidOperation:
        return shown
    return f"-{shown}" if deducted else shown
