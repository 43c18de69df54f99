"""The merchant's stage (SPEC 12): the restaurant answers first for its
food, or a change of mind before pickup. An approval (in full, or in part
with a note) approves and pays the request; a refusal (with a note) sends
it to the platform's agents; silence past the due time approves it in full
(rule M1), unless a risk flag holds it for an agent."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.users import User
from notifications.services import notify_role
from orders.selectors import merchant_ids_of
from refundportal import clock, sentences
from refundportal.api import ApplicationError, Conflict
from refundportal.money import to_money

from .. import presenters, states
from ..assessment import fields_error
from ..models import DecisionSource, Liability, RefundRequest
from ..selectors import merchant_answer_overdue
from ..states import RefundStatus
from .common import locked_request, notify_status
from .paying import refund_payouts_create
from .review import allocate_approval

APPROVE = "approve"
REFUSE = "refuse"
SILENCE_RULE = "M1"


def refund_merchant_respond(
    *,
    refund: RefundRequest,
    merchant_user: User,
    decision: str,
    note: str = "",
    amount: Decimal | None = None,
) -> RefundRequest:
    """The merchant's answer to a request waiting for it: approve (in full,
    or in part with a note) and pay, or refuse with a note for the agent who
    decides next. Only while it waits and before the due time."""
    note = (note or "").strip()
    now = clock.now()
    with transaction.atomic():
        locked = locked_request(refund.pk)
        if locked.order.merchant_id not in merchant_ids_of(merchant_user):
            raise ApplicationError("not_found", _("Not found."), 404)
        if locked.customer_id == merchant_user.pk:
            # A restaurant's staff member who ordered from it files like any
            # customer: the request is not theirs to decide.
            raise ApplicationError(
                "forbidden", _("You cannot answer your own refund request."), 403
            )
        if locked.status != RefundStatus.AWAITING_MERCHANT:
            raise Conflict(_("Only a request waiting for the merchant can be answered."))
        if locked.merchant_due_at is not None and now > locked.merchant_due_at:
            raise Conflict(_("The time to answer has passed; the request was approved in full."))
        requested = to_money(locked.requested_amount)
        answered = {
            "merchant_decision": decision,
            "merchant_note": note,
            "merchant_answered_at": now,
            "merchant_answered_by": merchant_user,
        }
        if decision == REFUSE:
            if not note:
                raise fields_error("note", _("A refusal needs a note for customer service."))
            states.move(
                locked,
                RefundStatus.PENDING_REVIEW,
                at=now,
                actor=merchant_user,
                actor_role=roles.MERCHANT,
                note=note,
                changes=answered,
            )
            notify_role(
                role=roles.AGENT,
                event="merchant_refused",
                facts={"request": presenters.request_facts(locked), "note": sentences.typed(note)},
                link=f"/review/{locked.pk}/",
            )
            return locked
        approved = requested if amount is None else to_money(amount)
        if approved <= 0 or approved > requested:
            raise fields_error(
                "amount",
                _("The amount must be above ¥0.00 and at most the requested %(amount)s.")
                % {"amount": f"¥{requested}"},
            )
        if approved < requested and not note:
            raise fields_error("note", _("A partial approval needs a note for the customer."))
        states.move(
            locked,
            RefundStatus.APPROVED,
            at=now,
            actor=merchant_user,
            actor_role=roles.MERCHANT,
            note=note,
            changes={
                **answered,
                "approved_amount": approved,
                "decision_source": DecisionSource.MERCHANT,
                "decision_rule": "",
                "decision_note": note,
                "decision_facts": {},
                "decided_at": now,
                "decided_by": merchant_user,
                "liability": Liability.MERCHANT,
            },
        )
        allocate_approval(locked, list(locked.items.all()), approved)
        refund_payouts_create(refund=locked, amount=approved)
        notify_status(locked, sentences.typed(note) if note else None)
    return locked


def refund_merchant_timeouts(at: datetime) -> dict[str, int]:
    """The periodic job: a request its merchant has not answered by the due
    time is approved in full (rule M1) and paid, unless a risk flag holds
    it for an agent. Racing the merchant's answer: the row lock orders
    them, and whichever comes second finds the status moved."""
    approved = held = 0
    for pk in merchant_answer_overdue(at).values_list("pk", flat=True):
        with transaction.atomic():
            locked = locked_request(pk)
            due = locked.merchant_due_at
            if locked.status != RefundStatus.AWAITING_MERCHANT or due is None or due > at:
                continue
            if locked.risk_flags:
                states.move(
                    locked,
                    RefundStatus.PENDING_REVIEW,
                    at=at,
                    actor_role=roles.SYSTEM,
                    message=presenters.MERCHANT_SILENT_HELD,
                )
                held += 1
                continue
            amount = to_money(locked.requested_amount)
            states.move(
                locked,
                RefundStatus.APPROVED,
                at=at,
                actor_role=roles.SYSTEM,
                rule=SILENCE_RULE,
                changes={
                    "approved_amount": amount,
                    "decision_source": DecisionSource.AUTO,
                    "decision_rule": SILENCE_RULE,
                    "decision_note": "",
                    "decision_facts": {},
                    "decided_at": at,
                    "decided_by": None,
                    "liability": Liability.MERCHANT,
                },
            )
            allocate_approval(locked, list(locked.items.all()), amount)
            refund_payouts_create(refund=locked, amount=amount)
            notify_status(locked, presenters.auto_decision(SILENCE_RULE, RefundStatus.APPROVED, {}))
            approved += 1
    return {"approved": approved, "held": held}
