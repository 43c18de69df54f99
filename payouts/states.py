"""Payout statuses and their allowed moves, as data, and the one helper
that moves a payout: compare-and-swap on the row, then an event naming
who moved it, in the caller's transaction."""

from datetime import datetime
from typing import Any, ClassVar, Protocol

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import roles
from refundportal.api import Conflict


class Payout(Protocol):
    """What a move needs of a payout row (``payouts.models.Payout``; this
    module is imported by the models, so it names none of them)."""

    objects: ClassVar[Any]
    pk: Any
    status: str
    events: Any  # the payout's events (``PayoutEvent``)


class PayoutStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


S = PayoutStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PROCESSING}),
    # An answer: paid, due again (retryable or taken back by the sweep), or failed.
    S.PROCESSING: frozenset({S.SUCCEEDED, S.PENDING, S.FAILED}),
    # Finance's retry; a late answer of the gateway that paid after all.
    S.FAILED: frozenset({S.PENDING, S.SUCCEEDED}),
    S.SUCCEEDED: frozenset(),
}

# Statuses in which a payout still has to be acted on by someone.
OPEN = frozenset({S.PENDING, S.PROCESSING})


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def move(
    payout: Payout,
    to: str,
    *,
    at: datetime,
    actor: Any = None,
    actor_role: str = roles.SYSTEM,
    changes: dict[str, Any] | None = None,
    error: str = "",
) -> Any:
    """Move ``payout`` to ``to``: refuse a move the table does not allow,
    write the row only if nobody moved it meanwhile, and append the event.
    ``changes`` are other columns written in the same UPDATE."""
    current = payout.status
    if not can_move(current, to):
        raise Conflict(
            gettext("A payout that is %(current)s cannot become %(new)s.")
            % {"current": str(S(current).label), "new": str(S(to).label)}
        )
    fields = {"status": to, "updated_at": at, **(changes or {})}
    if type(payout).objects.filter(pk=payout.pk, status=current).update(**fields) != 1:
        raise Conflict(gettext("The payout changed meanwhile; reload it and try again."))
    for name, value in fields.items():
        setattr(payout, name, value)
    return record(payout, at=at, actor=actor, actor_role=actor_role, was=current, error=error)


def record(
    payout: Payout,
    *,
    at: datetime,
    actor: Any = None,
    actor_role: str = roles.SYSTEM,
    was: str = "",
    what: str = "",
    error: str = "",
) -> Any:
    """Append an event to the payout's history: a move from ``was`` to its
    status now, or (``what``) a step that moves no status, such as finance
    rerouting it."""
    return payout.events.create(
        at=at,
        actor=actor,
        actor_role=actor_role,
        from_status=was,
        to_status=payout.status,
        what=what,
        error=error,
    )
