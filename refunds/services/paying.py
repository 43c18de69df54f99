"""Paying an approved request back, and what its payouts' answers do to
it. The refund is the aggregate root: every transaction here takes the
locks in the fixed order (order, request, payout) and calls the payouts
layer inside it; the gateway is called outside any transaction.

``payout_attempt`` is what the payout task runs; ``payout_sweep`` is the
periodic job that takes back stuck payouts and sends due ones, so that a
dead broker or a killed worker loses nothing.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from celery import current_app
from django.db import transaction
from django.utils.translation import gettext

from accounts import roles
from accounts.users import User
from audit import actions as audit_actions
from audit.services import audit_record
from notifications.services import notify_role
from orders.models import Order, TenderMethod
from payouts.models import Payout
from payouts.services import (
    payout_ask_gateway,
    payout_call,
    payout_record_answer,
    payout_record_recovery,
    payout_reopen,
    payout_reroute_to_balance,
    payout_take,
    payout_unsent,
    payouts_create,
    payouts_due_to_send,
    payouts_stuck,
)
from payouts.states import PayoutStatus
from refundportal import clock, sentences
from refundportal.api import ApplicationError
from refundportal.tasking import enqueue_on_commit

from .. import presenters, states
from ..models import RefundRequest
from ..states import RefundStatus
from .common import notify_status
from .notes import refund_note

logger = logging.getLogger(__name__)

# The payout task's name (defined in ``refunds.tasks``); kept as it was
# first published, which queued messages, routes and beat entries name.
PAYOUT_ATTEMPT_TASK = "payouts.tasks.payout_attempt_task"


def refund_payouts_create(
    *, refund: RefundRequest, amount: Decimal | None = None, nothing_taken: bool = False
) -> list[Payout]:
    """Pay an approval (or ``amount`` of it: what an appeal adds to a paid
    partial approval) back over the order's tenders, in the caller's
    transaction; the first attempts go out once it commits. ``nothing_taken``
    when the caller knows no payout was ever made on the order (its first
    request), so the tenders are read without what payouts took."""
    due = refund.approved_amount or Decimal("0") if amount is None else amount
    payouts = payouts_create(
        refund_id=refund.pk,
        order_id=refund.order_id,
        amount=due,
        at=clock.now(),
        nothing_taken=nothing_taken,
    )
    for payout in payouts:
        enqueue_on_commit(PAYOUT_ATTEMPT_TASK, payout.pk)
    return payouts


def _lock_chain(payout_id: int) -> tuple[RefundRequest, Payout]:
    """Lock order, request and payout, in that order."""
    refund_id, order_id = Payout.objects.filter(pk=payout_id).values_list(
        "refund_id", "refund__order_id"
    )[0]
    Order.objects.select_for_update().filter(pk=order_id).first()
    refund = RefundRequest.objects.select_for_update().select_related("order").get(pk=refund_id)
    return refund, Payout.objects.select_for_update().get(pk=payout_id)


@dataclass(frozen=True)
class AttemptReport:
    payout_id: int
    attempted: bool
    outcome: str = ""


def payout_attempt(*, payout_id: int, as_of: datetime | None = None) -> AttemptReport:
    """Make one attempt on a due payout, if nobody else is making one: take
    it (committed), call the gateway, then record the answer and move the
    request after it, in one transaction."""
    taken = payout_take(payout_id=payout_id, at=as_of or clock.now())
    if taken is None:
        return AttemptReport(payout_id, attempted=False)
    result, duration_ms = payout_call(taken.payout)
    with transaction.atomic():
        refund, payout = _lock_chain(payout_id)
        now = as_of or clock.now()
        payout_record_answer(
            payout=payout,
            attempt=taken.attempt,
            result=result,
            duration_ms=duration_ms,
            at=now,
        )
        refund_sync_payouts(refund=refund, at=now)
    return AttemptReport(payout_id, attempted=True, outcome=result.outcome)


def payout_sweep(at: datetime) -> dict[str, int]:
    """The periodic payout job: take back payouts stuck in ``processing``
    (asking the gateway whether their key was paid), and send an attempt for
    every due payout with no attempt in flight."""
    recovered = sum(_recover(pk, at) for pk in payouts_stuck(at))
    sent = 0
    for pk in payouts_due_to_send(at):
        try:
            current_app.tasks[PAYOUT_ATTEMPT_TASK].apply_async(
                args=[pk], kwargs={"as_of": at.isoformat()}
            )
            sent += 1
        except Exception:
            logger.exception("could not enqueue payout %s; next sweep retries", pk)
            payout_unsent(pk)
    return {"recovered": recovered, "sent": sent}


def _recover(payout_id: int, at: datetime) -> int:
    """Ask the gateway about a payout stuck in processing, then record what
    it said and move the request after it."""
    paid = payout_ask_gateway(Payout.objects.get(pk=payout_id))
    with transaction.atomic():
        refund, payout = _lock_chain(payout_id)
        if not payout_record_recovery(payout=payout, paid=paid, at=at):
            return 0
        refund_sync_payouts(refund=refund, at=at)
    return 1


def payout_retry(*, payout: Payout, actor: User) -> Payout:
    """Finance's retry: a failed payout goes back to pending with a new
    round of attempts, under the same key; a second concurrent retry finds
    it no longer failed (409)."""
    now = clock.now()
    with transaction.atomic():
        refund, locked = _lock_chain(payout.pk)
        payout_reopen(payout=locked, actor=actor, at=now)
        audit_record(
            action=audit_actions.PAYOUT_RETRIED,
            actor=actor,
            target_type="payout",
            target_id=locked.pk,
            facts={"payout": locked.pk, "refund": refund.pk},
        )
        enqueue_on_commit(PAYOUT_ATTEMPT_TASK, locked.pk)
    return locked


def payout_reroute(
    *, payout: Payout, actor: User, method: str, note: str, note_for_customer: bool = False
) -> Payout:
    """Close a failed payout and pay its amount to the customer's platform
    balance instead, as a new payout with its own key. Finance's note is for
    staff unless ``note_for_customer``; the customer always reads where the
    money goes."""
    if method != TenderMethod.WALLET:
        raise ApplicationError(
            "validation_error",
            gettext("A failed payout can only be rerouted to the platform balance (wallet)."),
            fields={"method": [gettext("Only wallet is allowed.")]},
        )
    now = clock.now()
    with transaction.atomic():
        refund, locked = _lock_chain(payout.pk)
        new = payout_reroute_to_balance(
            payout=locked,
            actor=actor,
            account=f"wallet:{refund.customer.get_username()}",
            at=now,
        )
        audit_record(
            action=audit_actions.PAYOUT_REROUTED,
            actor=actor,
            target_type="payout",
            target_id=locked.pk,
            facts={
                "payout": locked.pk,
                "refund": refund.pk,
                "amount": str(locked.amount),
                "new_payout": new.pk,
            },
        )
        refund_note(
            refund=refund,
            actor=actor,
            message=presenters.PAYOUT_REROUTED,
            facts={"amount": str(locked.amount), "note": note},
            at=now,
            internal=not note_for_customer,
        )
        refund_note(
            refund=refund,
            actor=None,
            message=presenters.PAID_TO_BALANCE,
            facts={"amount": str(locked.amount)},
            at=now,
        )
        enqueue_on_commit(PAYOUT_ATTEMPT_TASK, new.pk)
    return new


def refund_sync_payouts(*, refund: RefundRequest, at: datetime) -> RefundRequest:
    """Move a request after its payouts: ``payout_failed`` as soon as one is
    failed, ``refunded`` once every open payout has succeeded. In the
    caller's transaction, with the order and request rows locked."""
    if refund.status not in (RefundStatus.APPROVED, RefundStatus.PAYOUT_FAILED):
        # Under review again (an appeal of a paid partial approval): its
        # settled payouts say nothing about the appeal.
        return refund
    statuses = list(
        Payout.objects.filter(refund=refund, closed=False).values_list("status", flat=True)
    )
    if not statuses:
        return refund
    if all(s == PayoutStatus.SUCCEEDED for s in statuses):
        target = RefundStatus.REFUNDED
    elif any(s == PayoutStatus.FAILED for s in statuses):
        target = RefundStatus.PAYOUT_FAILED
    else:
        return refund
    if refund.status == target or not states.can_move(refund.status, target):
        return refund
    message = (
        presenters.PAYOUTS_SUCCEEDED
        if target == RefundStatus.REFUNDED
        else presenters.PAYOUT_FAILED
    )
    states.move(refund, target, at=at, actor=None, actor_role=roles.SYSTEM, message=message)
    if target == RefundStatus.REFUNDED:
        notify_status(refund, sentences.sentence(message))
    else:
        notify_role(
            role=roles.FINANCE,
            event="payout_failed",
            facts={"request": presenters.request_facts(refund)},
            link=f"/finance/payouts/?refund={refund.pk}",
        )
    return refund
