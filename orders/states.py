"""Order statuses and the moves delivery events may make, as data.

Events move an order forward only; skipping ahead is allowed (an event may
be lost on the way), going back or leaving a final status is not.
"""

from datetime import datetime
from typing import Any, ClassVar, Protocol

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from refundportal.api import Conflict


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


class Order(Protocol):
    """What a move needs of an order row (``orders.models.Order``; this
    module is imported by the models, so it names none of them)."""

    objects: ClassVar[Any]
    pk: Any
    status: str
    events: Any  # the order's delivery events (``DeliveryEvent``)


def move(order: Order, to: str, *, at: datetime, changes: dict[str, Any] | None = None) -> Any:
    """Move ``order`` to ``to`` after a delivery event at ``at``: the caller
    has checked the move against the table (``can_move``) and says why not;
    write the row only if nobody moved it meanwhile, and append the event.
    ``changes`` are other columns written in the same UPDATE."""
    current = order.status
    fields = {"status": to, **(changes or {})}
    if type(order).objects.filter(pk=order.pk, status=current).update(**fields) != 1:
        raise Conflict(gettext("The order changed meanwhile; send the event again."))
    for name, value in fields.items():
        setattr(order, name, value)
    return order.events.create(status=to, at=at)
