"""Order statuses and the moves delivery events may make, as data.

Events move an order forward only; skipping ahead is allowed (an event may
be lost on the way), going back or leaving a final status is not.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    ACCEPTED = "accepted", _("Accepted by the merchant")
    PICKED_UP = "picked_up", _("Picked up by the rider")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")


S = OrderStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLACED: frozenset({S.ACCEPTED, S.PICKED_UP, S.DELIVERED, S.CANCELLED, S.DELIVERY_FAILED}),
    S.ACCEPTED: frozenset({S.PICKED_UP, S.DELIVERED, S.CANCELLED, S.DELIVERY_FAILED}),
    S.PICKED_UP: frozenset({S.DELIVERED, S.CANCELLED, S.DELIVERY_FAILED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
    S.DELIVERY_FAILED: frozenset(),
}

FINAL = frozenset(status for status, moves in TRANSITIONS.items() if not moves)
# The statuses in which the food never reached the customer through no fault of theirs.
PLATFORM_FAILURES = frozenset({S.CANCELLED, S.DELIVERY_FAILED})


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())
