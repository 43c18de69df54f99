"""Disputes of who pays (SPEC 12): a merchant objects to a charge on its
statement, once and within ``DISPUTE_DAYS`` of the decision; a senior agent
confirms the charge or moves it to the courier or the platform, with a note
the merchant reads. Only the request's ``liability`` ever changes: the
customer's refund, its amounts and its payouts stay as they are."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.users import User
from notifications.services import notify_role
from orders.selectors import merchant_ids_of
from refundportal import clock, sentences
from refundportal.api import ApplicationError, Conflict
from refundportal.months import Month

from .. import presenters
from ..assessment import fields_error
from ..models import Dispute, DisputeResolution, Liability, RefundRequest
from ..statements import DISPUTE_DAYS, dispute_closes_at
from ..states import GRANTED
from .common import locked_request, notify_merchant

CONFIRM = "confirm"
MOVE = "move"
NOTE_MAX_LENGTH = 2000


def refund_dispute(*, refund: RefundRequest, merchant_user: User, note: str) -> Dispute:
    """Open the dispute of a charge the merchant bears, and tell the senior
    agents. One per request; only within the window after the decision."""
    note = (note or "").strip()
    if not note:
        raise fields_error("note", _("Say why your restaurant should not bear this refund."))
    now = clock.now()
    with transaction.atomic():
        locked = locked_request(refund.pk)
        if locked.order.merchant_id not in merchant_ids_of(merchant_user):
            raise ApplicationError("not_found", _("Not found."), 404)
        if locked.status not in GRANTED or locked.liability != Liability.MERCHANT:
            raise Conflict(_("Only a refund charged to your restaurant can be disputed."))
        closes = dispute_closes_at(locked)
        if closes is None or now > closes:
            raise Conflict(
                _("A charge can be disputed within %(days)s days of the decision only.")
                % {"days": DISPUTE_DAYS}
            )
        if Dispute.objects.filter(request=locked).exists():
            raise Conflict(_("This charge has been disputed already."))
        try:
            with transaction.atomic():
                dispute = Dispute.objects.create(
                    request=locked, merchant_user=merchant_user, note=note, created_at=now
                )
        except IntegrityError as exc:
            raise Conflict(_("This charge has been disputed already.")) from exc
        notify_role(
            role=roles.SENIOR_AGENT,
            event="dispute_opened",
            facts={
                "request": presenters.request_facts(locked),
                "merchant": locked.order.merchant.name,
                "note": sentences.typed(note),
            },
            link="/review/disputes/",
        )
    return dispute


def dispute_resolve(
    *,
    refund: RefundRequest,
    agent: User,
    decision: str,
    note: str,
    liability: str | None = None,
) -> Dispute:
    """A senior agent's answer to an open dispute: ``confirm`` the charge,
    or ``move`` it to ``liability`` (the courier or the platform). The note
    is required: the merchant reads it."""
    if roles.SENIOR_AGENT not in roles.user_roles(agent):
        raise PermissionDenied
    note = (note or "").strip()
    if decision not in (CONFIRM, MOVE):
        raise fields_error("decision", _("Confirm the charge or move it."))
    if not note:
        raise fields_error("note", _("A note must tell the merchant why."))
    if decision == MOVE and liability not in (Liability.COURIER, Liability.PLATFORM):
        raise fields_error(
            "liability", _("Moving a charge needs who bears it instead: courier or platform.")
        )
    now = clock.now()
    with transaction.atomic():
        locked = locked_request(refund.pk)
        dispute = Dispute.objects.select_for_update().filter(request=locked).first()
        if dispute is None:
            raise Conflict(_("This refund's charge is not disputed."))
        if not dispute.is_open:
            raise Conflict(_("This dispute has been resolved already."))
        new_liability = ""
        if decision == MOVE:
            assert liability is not None
            # Compare-and-swap: the liability moves only from the merchant.
            moved = RefundRequest.objects.filter(pk=locked.pk, liability=Liability.MERCHANT).update(
                liability=liability, updated_at=now
            )
            if not moved:
                raise Conflict(_("This refund is no longer charged to the merchant."))
            locked.liability = liability
            new_liability = liability
        dispute.resolved_at = now
        dispute.resolved_by = agent
        dispute.resolution = (
            DisputeResolution.MOVED if decision == MOVE else DisputeResolution.CONFIRMED
        )
        dispute.new_liability = new_liability
        dispute.resolution_note = note
        dispute.save(
            update_fields=[
                "resolved_at",
                "resolved_by",
                "resolution",
                "new_liability",
                "resolution_note",
            ]
        )
        month = Month.of(locked.decided_at or now)
        notify_merchant(
            locked,
            "dispute_resolved",
            {
                "resolution": dispute.resolution,
                "liability": new_liability,
                "note": sentences.typed(note),
            },
            link=f"/merchant/statement/?month={month}",
        )
    return dispute
