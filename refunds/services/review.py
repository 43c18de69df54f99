"""An agent's work on a request under review: claim it (so that two agents
do not work one request), and decide it. Escalated requests and appeals
are for senior agents, never the one who decided before."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.users import User
from audit import actions as audit_actions
from audit.services import audit_record
from refundportal import clock, sentences
from refundportal.api import ApplicationError, Conflict
from refundportal.money import allocate, to_money

from .. import sla, states
from ..assessment import fields_error
from ..liability import default_liability
from ..models import DecisionSource, RefundItem, RefundRequest
from ..selectors import has_appeal
from ..states import RefundStatus
from .common import locked_request, notify_status
from .paying import refund_payouts_create


def claim_is_live(refund: RefundRequest, now: datetime) -> bool:
    return bool(refund.assignee_id and refund.claim_expires_at and refund.claim_expires_at > now)


def check_reviewer(refund: RefundRequest, agent: User) -> None:
    """Escalated requests and appeals are for senior agents only, and never
    for the agent who rejected the request before."""
    held = roles.user_roles(agent)
    if not held & roles.REVIEW_ROLES:
        raise PermissionDenied
    if refund.escalated and roles.SENIOR_AGENT not in held:
        raise ApplicationError(
            "forbidden", _("Escalated requests and appeals are decided by a senior agent."), 403
        )
    appeal = getattr(refund, "appeal", None) if has_appeal(refund) else None
    if appeal is not None and appeal.rejected_by_id == agent.pk:
        raise ApplicationError(
            "forbidden",
            _("An appeal is decided by a senior agent other than the one who rejected it."),
            403,
        )


def refund_check_reviewer(*, refund: RefundRequest, agent: User) -> None:
    """Raise unless ``agent`` may review ``refund``: the staff pages ask
    before they show a request, with the same rule claiming and deciding
    apply."""
    check_reviewer(refund, agent)


def refund_claim(*, refund: RefundRequest, agent: User) -> RefundRequest:
    """Assign a pending request to ``agent`` for ``sla.claim_minutes()``;
    claiming again renews it. Another agent's live claim is a conflict; a
    stale one can be taken over."""
    now = clock.now()
    with transaction.atomic():
        locked = locked_request(refund.pk)
        if locked.status != RefundStatus.PENDING_REVIEW:
            raise Conflict(_("Only a request under review can be claimed."))
        check_reviewer(locked, agent)
        if claim_is_live(locked, now) and locked.assignee_id != agent.pk:
            raise Conflict(
                _("%(name)s is working on this request.")
                % {"name": locked.assignee.get_username() if locked.assignee else "?"}
            )
        expires = now + timedelta(minutes=sla.claim_minutes())
        previous = locked.assignee if locked.assignee_id not in (None, agent.pk) else None
        RefundRequest.objects.filter(pk=locked.pk).update(
            assignee=agent, claim_expires_at=expires, updated_at=now
        )
        # A renewal of one's own live claim is no new fact for the audit.
        if previous is not None:
            audit_record(
                action=audit_actions.REFUND_TAKEN_OVER,
                actor=agent,
                target_type="refund",
                target_id=locked.pk,
                facts={"refund": locked.pk, "previous_assignee": previous.get_username()},
            )
        elif not (locked.assignee_id == agent.pk and claim_is_live(locked, now)):
            audit_record(
                action=audit_actions.REFUND_CLAIMED,
                actor=agent,
                target_type="refund",
                target_id=locked.pk,
                facts={"refund": locked.pk},
            )
        locked.assignee = agent
        locked.claim_expires_at = expires
    return locked


def refund_decide(
    *,
    refund: RefundRequest,
    agent: User,
    decision: str,
    note: str = "",
    amount: Decimal | None = None,
    liability: str | None = None,
) -> RefundRequest:
    """An agent approves (in full or in part) or rejects a pending request.
    A partial approval and a rejection need a note. An approval records who
    bears it: the default by cause, or ``liability`` chosen with a note."""
    now = clock.now()
    note = (note or "").strip()
    with transaction.atomic():
        locked = locked_request(refund.pk)
        if locked.status != RefundStatus.PENDING_REVIEW:
            raise Conflict(_("Only a request under review can be decided."))
        check_reviewer(locked, agent)
        if claim_is_live(locked, now) and locked.assignee_id != agent.pk:
            raise Conflict(_("Another agent holds this request; wait or ask them."))
        if decision == "reject" and not note:
            raise fields_error("note", _("A rejection needs a note for the customer."))
        requested = to_money(locked.requested_amount)
        # An appeal of a paid partial approval: what was paid stays paid, and
        # rejecting the appeal returns the request to refunded.
        paid = to_money(locked.approved_amount) if locked.approved_amount is not None else None
        if decision == "reject":
            states.move(
                locked,
                RefundStatus.REJECTED if paid is None else RefundStatus.REFUNDED,
                at=now,
                actor=agent,
                actor_role=roles.primary_role(agent) or roles.AGENT,
                note=note,
                changes=_decision_changes(agent, now, note, approved=paid),
            )
            notify_status(locked, sentences.typed(note))
            return locked
        approved = requested if amount is None else to_money(amount)
        floor = paid or Decimal("0.00")
        if approved <= floor or approved > requested:
            raise fields_error(
                "amount",
                _("The amount must be above %(floor)s and at most the requested %(amount)s.")
                % {"floor": f"¥{floor}", "amount": f"¥{requested}"},
            )
        if approved < requested and not note:
            raise fields_error("note", _("A partial approval needs a note for the customer."))
        bearer = default_liability(
            reason=locked.reason,
            rule="",
            source=DecisionSource.AGENT,
            order_status=locked.order.status,
        )
        if liability and liability != bearer:
            if not note:
                raise fields_error(
                    "note",
                    _("A note must say why someone other than the default bears this refund."),
                )
            bearer = liability
        states.move(
            locked,
            RefundStatus.APPROVED,
            at=now,
            actor=agent,
            actor_role=roles.primary_role(agent) or roles.AGENT,
            note=note,
            changes={
                **_decision_changes(agent, now, note, approved=approved),
                "liability": bearer,
            },
        )
        allocate_approval(locked, list(locked.items.all()), approved)
        refund_payouts_create(refund=locked, amount=approved - floor)
        notify_status(locked, sentences.typed(note) if note else None)
    return locked


def _decision_changes(
    agent: User, now: datetime, note: str, approved: Decimal | None
) -> dict[str, Any]:
    return {
        "approved_amount": approved,
        "decision_source": DecisionSource.AGENT,
        "decision_rule": "",
        "decision_note": note,
        "decision_facts": {},
        "decided_at": now,
        "decided_by": agent,
        "claim_expires_at": None,
    }


def allocate_approval(request: RefundRequest, rows: list[RefundItem], approved: Decimal) -> None:
    """Spread an approved amount over the request's lines in proportion to
    what each asked, so that later requests see what is left of each line."""
    shares = allocate(approved, [row.amount for row in rows]) if rows else []
    for row, share in zip(rows, shares, strict=True):
        row.approved_amount = share
    RefundItem.objects.bulk_update(rows, ["approved_amount"])
