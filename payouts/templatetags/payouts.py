from django import template

from payouts.presenters import error_text

register = template.Library()


@register.filter
def payout_error(stored: str) -> str:
    """A payout's stored error in the reader's language."""
    return error_text(stored or "")
