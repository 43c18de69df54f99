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
