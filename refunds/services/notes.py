"""Timeline entries that change no status: a staff member's note, and the
system's own (an escalation, a reroute)."""

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.users import User
from refundportal import clock

from ..assessment import fields_error
from ..models import RefundRequest, TimelineEvent
from .common import locked_request

NOTE_MAX_LENGTH = 2000


def refund_note(
    *,
    refund: RefundRequest,
    actor: User | None,
    at: datetime,
    note: str = "",
    message: str = "",
    facts: dict[str, Any] | None = None,
    internal: bool = False,
) -> TimelineEvent:
    """A timeline entry that changes no status, in the caller's transaction:
    a person's ``note``, or a system sentence's ``message`` id with its
    ``facts``; an ``internal`` one is for staff only."""
    return TimelineEvent.objects.create(
        request=refund,
        at=at,
        actor=actor,
        actor_role=(roles.primary_role(actor) or roles.SYSTEM) if actor else roles.SYSTEM,
        from_status=refund.status,
        to_status=refund.status,
        note=note,
        message=message,
        facts=facts or {},
        internal=internal,
    )


def refund_note_add(
    *, refund: RefundRequest, author: User, note: str, internal: bool = True
) -> TimelineEvent:
    """A staff member's note on the timeline, changing no status. An
    internal note is for staff only; the customer sees any other one on
    their timeline, without a notification (no notification is about a
    note, and the customer reads it where they follow the request)."""
    if not roles.is_staff_role(author):
        raise PermissionDenied
    text = (note or "").strip()
    if not text:
        raise fields_error("note", _("Write a note."))
    if len(text) > NOTE_MAX_LENGTH:
        raise fields_error(
            "note", _("A note has at most %(n)s characters.") % {"n": NOTE_MAX_LENGTH}
        )
    with transaction.atomic():
        # The row lock keeps the status from moving under the note.
        locked = locked_request(refund.pk)
        return refund_note(
            refund=locked, actor=author, note=text, at=clock.now(), internal=internal
        )
