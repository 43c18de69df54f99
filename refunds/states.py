"""Refund request statuses and their allowed moves, as data, and the one
helper that moves a request: compare-and-swap on the row, then a timeline
event, in the caller's transaction."""

from datetime import datetime
from typing import Any, ClassVar, Protocol

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from refundportal.api import Conflict


class RefundRequest(Protocol):
    """What a move needs of a request row (``refunds.models.RefundRequest``;
    this module is imported by the models, so it names none of them)."""

    objects: ClassVar[Any]
    pk: Any
    status: str
    timeline: Any  # the request's timeline (``TimelineEvent``)


class RefundStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("Pending review")
    AWAITING_CUSTOMER = "awaiting_customer", _("Waiting for the customer")
    AWAITING_MERCHANT = "awaiting_merchant", _("Waiting for the merchant")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    PAYOUT_FAILED = "payout_failed", _("Payout failed")


S = RefundStatus

# A request is created straight into one of these by auto-review.
INITIAL = frozenset({S.PENDING_REVIEW, S.AWAITING_MERCHANT, S.APPROVED, S.REJECTED})

TRANSITIONS: dict[str, frozenset[str]] = {
    # To refunded: the appeal of a refunded partial approval, rejected.
    S.PENDING_REVIEW: frozenset(
        {S.APPROVED, S.REJECTED, S.CANCELLED, S.REFUNDED, S.AWAITING_CUSTOMER}
    ),
    # The customer answers (back to review), never does (rejected), or
    # gives up (cancelled).
    S.AWAITING_CUSTOMER: frozenset({S.PENDING_REVIEW, S.REJECTED, S.CANCELLED}),
    # The merchant approves (or stays silent past the due time), or refuses
    # and the platform's agents decide; the customer may cancel meanwhile.
    S.AWAITING_MERCHANT: frozenset({S.APPROVED, S.PENDING_REVIEW, S.CANCELLED}),
    S.REJECTED: frozenset({S.PENDING_REVIEW}),  # an appeal
    S.APPROVED: frozenset({S.REFUNDED, S.PAYOUT_FAILED}),
    S.PAYOUT_FAILED: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset({S.PENDING_REVIEW}),  # the appeal of a partial approval
    S.CANCELLED: frozenset(),
}

# Requests whose claim on the order's money stands; a rejected or cancelled
# request gives its claim back.
CLAIMING = frozenset(
    {
        S.PENDING_REVIEW,
        S.AWAITING_CUSTOMER,
        S.AWAITING_MERCHANT,
        S.APPROVED,
        S.REFUNDED,
        S.PAYOUT_FAILED,
    }
)
# Requests still being decided: an order has at most one, and a new request
# on it is refused while one is (rule R3). The customer may cancel them.
OPEN = frozenset({S.PENDING_REVIEW, S.AWAITING_CUSTOMER, S.AWAITING_MERCHANT})
# Requests that only an appeal can move on, if anything: once their appeal
# window has passed they are closed for good.
SETTLED = frozenset({S.REFUNDED, S.REJECTED, S.CANCELLED})
# Requests whose approved amount counts as money going back.
GRANTED = frozenset({S.APPROVED, S.REFUNDED, S.PAYOUT_FAILED})


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def move(
    request: RefundRequest,
    to: str,
    *,
    at: datetime,
    actor: Any = None,
    actor_role: str,
    note: str = "",
    message: str = "",
    rule: str = "",
    facts: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> Any:
    """Move ``request`` to ``to``: refuse a move the table does not allow,
    write the row only if nobody moved it meanwhile, and append the event.

    ``changes`` are other columns written in the same UPDATE. ``note`` is
    what a person typed; a system sentence is a ``message`` id with ``facts``.
    """
    current = request.status
    if not can_move(current, to):
        raise Conflict(
            gettext("A request that is %(current)s cannot become %(new)s.")
            % {"current": str(S(current).label), "new": str(S(to).label)}
        )
    fields = {"status": to, "updated_at": at, **(changes or {})}
    updated = type(request).objects.filter(pk=request.pk, status=current).update(**fields)
    if updated != 1:
        raise Conflict(gettext("The request changed meanwhile; reload it and try again."))
    for name, value in fields.items():
        setattr(request, name, value)
    return request.timeline.create(
        at=at,
        actor=actor,
        actor_role=actor_role,
        from_status=current,
        to_status=to,
        note=note,
        message=message,
        rule=rule,
        facts=facts or {},
    )
