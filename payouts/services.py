"""Every write on payouts.

Exactly once, in short: a payout has one idempotency key for life; an
attempt is recorded (outcome ``unknown``) and committed before the gateway
call, the call runs outside any transaction, and its answer is recorded
after. Whatever retries, crashes or duplicate messages happen, the gateway
sees one key per payout and pays it at most once.

Locks follow the fixed order: order, then request, then payout.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from orders.models import Order, TenderMethod
from refundportal import clock, sqlrows
from refundportal.api import ApplicationError, Conflict
from refundportal.money import split_over_tenders, to_money
from refundportal.tasking import enqueue_on_commit

from .gateways import GatewayResult, GatewayTimeout, gateway_for
from .models import AttemptOutcome, Payout, PayoutAttempt
from .presenters import GATEWAY_ERROR, GATEWAY_TIMEOUT, NO_ANSWER, SWEPT
from .selectors import tenders_with_open_payouts
from .states import PayoutStatus

logger = logging.getLogger(__name__)


def new_idempotency_key() -> str:
    return f"rp_{uuid.uuid4().hex}"


def _enqueue(payout_ids: list[int]) -> None:
    from .tasks import payout_attempt_task

    for pk in payout_ids:
        enqueue_on_commit(payout_attempt_task, pk)


def payouts_create_for_refund(*, refund: Any, amount: Decimal | None = None) -> list[Payout]:
    """Split an approved amount (or ``amount`` of it: what an appeal adds to
    a paid partial approval) over the order's tenders, in proportion to
    what each paid and never above what each has left to take back, and
    send the first attempts once the approval commits."""
    amount = to_money(refund.approved_amount or Decimal("0") if amount is None else amount)
    if amount <= 0:
        return []
    held = tenders_with_open_payouts(refund.order_id)
    tenders = [tender for tender, _ in held]
    remaining = [to_money(tender.amount) - to_money(taken) for tender, taken in held]
    shares = split_over_tenders(amount, [t.amount for t in tenders], remaining)
    now = clock.now()
    payouts = sqlrows.insert(
        [
            Payout(
                refund=refund,
                tender=tender,
                method=tender.method,
                account=tender.account,
                amount=share,
                idempotency_key=new_idempotency_key(),
                next_attempt_at=now,
                enqueued_at=now,
                created_at=now,
                updated_at=now,
            )
            for tender, share in zip(tenders, shares, strict=True)
            if share > 0
        ]
    )
    _enqueue([p.pk for p in payouts])
    return payouts


def backoff(attempt_number: int) -> timedelta:
    """After the n-th retryable failure the next attempt is due 5^(n-1)
    minutes later (1, 5, 25, 125 ...), capped at 6 h."""
    base = int(settings.PAYOUT_BACKOFF_BASE_MINUTES)
    cap = int(settings.PAYOUT_BACKOFF_CAP_MINUTES)
    return timedelta(minutes=min(base ** max(attempt_number - 1, 0), cap))


@dataclass(frozen=True)
class AttemptReport:
    payout_id: int
    attempted: bool
    outcome: str = ""


def payout_attempt(*, payout_id: int, as_of: datetime | None = None) -> AttemptReport:
    """Make one attempt on a due payout, if nobody else is making one."""
    started = as_of or clock.now()
    # 1. Take the payout: only a pending one that is due; a payout locked by
    #    another worker is skipped, never waited for.
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update(skip_locked=True)
            .filter(pk=payout_id, status=PayoutStatus.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=started))
            .first()
        )
        if payout is None:
            return AttemptReport(payout_id, attempted=False)
        number = payout.attempts + 1
        Payout.objects.filter(pk=payout.pk, status=PayoutStatus.PENDING).update(
            status=PayoutStatus.PROCESSING,
            processing_since=started,
            attempts=number,
            round_attempts=payout.round_attempts + 1,
            updated_at=started,
        )
        attempt = PayoutAttempt.objects.create(
            payout=payout,
            number=number,
            started_at=started,
            request={"idempotency_key": payout.idempotency_key, "amount": str(payout.amount)},
        )

    # 2. The call, outside any transaction.
    began = time.monotonic()
    try:
        result = gateway_for(payout.method).refund(
            payout.idempotency_key, payout.account, payout.amount
        )
    except GatewayTimeout as exc:
        result = GatewayResult("retryable", error=str(exc) or GATEWAY_TIMEOUT)
    except Exception:
        logger.exception("payout %s: gateway error", payout.pk)
        result = GatewayResult("retryable", error=GATEWAY_ERROR)
    duration_ms = int((time.monotonic() - began) * 1000)

    # 3. The answer.
    _record_answer(payout.pk, attempt.pk, result, duration_ms, as_of)
    logger.info(
        "payout %s attempt %s: %s in %d ms",
        payout.pk,
        attempt.number,
        result.outcome,
        duration_ms,
        extra={"payout": payout.pk, "outcome": result.outcome},
    )
    return AttemptReport(payout.pk, attempted=True, outcome=result.outcome)


def _lock_chain(payout_id: int) -> tuple[Any, Payout]:
    """Lock order, request and payout, in that order."""
    from refunds.models import RefundRequest

    refund_id, order_id = Payout.objects.filter(pk=payout_id).values_list(
        "refund_id", "refund__order_id"
    )[0]
    Order.objects.select_for_update().filter(pk=order_id).first()
    refund = RefundRequest.objects.select_for_update().get(pk=refund_id)
    return refund, Payout.objects.select_for_update().get(pk=payout_id)


def _record_answer(
    payout_id: int,
    attempt_id: int,
    result: GatewayResult,
    duration_ms: int,
    as_of: datetime | None,
) -> None:
    from refunds.services import refund_sync_payouts

    with transaction.atomic():
        refund, payout = _lock_chain(payout_id)
        now = as_of or clock.now()
        outcome = {
            "succeeded": AttemptOutcome.SUCCEEDED,
            "retryable": AttemptOutcome.RETRYABLE,
            "declined": AttemptOutcome.DECLINED,
        }[result.outcome]
        PayoutAttempt.objects.filter(pk=attempt_id).update(
            finished_at=now,
            outcome=outcome,
            error=result.error,
            duration_ms=duration_ms,
            response={"outcome": result.outcome, "reference": result.reference},
        )
        still_ours = (
            payout.status == PayoutStatus.PROCESSING
            and payout.attempt_log.filter(pk=attempt_id).filter(number=payout.attempts).exists()
        )
        if result.outcome == "succeeded":
            # A success always counts, even one answered after the sweep took
            # the payout back: the key was paid once, and this is that payment.
            if payout.status != PayoutStatus.SUCCEEDED:
                _succeed(payout, result.reference, now)
        elif still_ours and result.outcome == "declined":
            _fail(payout, now, result.error, declined=True)
        elif still_ours:
            if payout.round_attempts >= int(settings.PAYOUT_MAX_ATTEMPTS):
                _fail(payout, now, result.error, declined=False)
            else:
                due = now + backoff(payout.round_attempts)
                Payout.objects.filter(pk=payout.pk).update(
                    status=PayoutStatus.PENDING,
                    last_error=result.error,
                    next_attempt_at=due,
                    processing_since=None,
                    enqueued_at=None,
                    updated_at=now,
                )
        refund_sync_payouts(refund=refund, at=now)


def _succeed(payout: Payout, reference: str, now: datetime) -> None:
    Payout.objects.filter(pk=payout.pk).update(
        status=PayoutStatus.SUCCEEDED,
        gateway_reference=reference or None,
        last_error="",
        next_attempt_at=None,
        processing_since=None,
        succeeded_at=now,
        updated_at=now,
    )


def _fail(payout: Payout, now: datetime, error: str, *, declined: bool) -> None:
    Payout.objects.filter(pk=payout.pk).update(
        status=PayoutStatus.FAILED,
        declined=declined,
        last_error=error,
        next_attempt_at=None,
        processing_since=None,
        updated_at=now,
    )


def payout_sweep(at: datetime) -> dict[str, int]:
    """The periodic payout job: take back payouts stuck in ``processing``
    (asking the gateway whether their key was paid), and send an attempt for
    every due payout with no task in flight. This is what makes a dead broker
    or a killed worker lose nothing."""
    stuck_before = at - timedelta(minutes=int(settings.PAYOUT_STUCK_MINUTES))
    recovered = 0
    for pk in Payout.objects.filter(
        status=PayoutStatus.PROCESSING, processing_since__lt=stuck_before
    ).values_list("pk", flat=True):
        recovered += _recover(pk, at)

    in_flight_since = at - timedelta(minutes=2)
    due = list(
        Payout.objects.filter(status=PayoutStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=in_flight_since))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    if due:
        Payout.objects.filter(pk__in=due).update(enqueued_at=at)
    from .tasks import payout_attempt_task

    sent = 0
    for pk in due:
        try:
            payout_attempt_task.apply_async(args=[pk], kwargs={"as_of": at.isoformat()})
            sent += 1
        except Exception:
            logger.exception("could not enqueue payout %s; next sweep retries", pk)
            Payout.objects.filter(pk=pk).update(enqueued_at=None)
    return {"recovered": recovered, "sent": sent}


def _recover(payout_id: int, at: datetime) -> int:
    """Ask the gateway about a payout stuck in processing: paid means
    succeeded; not paid means due for its next attempt."""
    from refunds.services import refund_sync_payouts

    payout = Payout.objects.get(pk=payout_id)
    paid = gateway_for(payout.method).status(payout.idempotency_key)
    with transaction.atomic():
        refund, payout = _lock_chain(payout_id)
        if payout.status != PayoutStatus.PROCESSING:
            return 0
        PayoutAttempt.objects.filter(
            payout=payout, number=payout.attempts, finished_at__isnull=True
        ).update(
            finished_at=at,
            outcome=AttemptOutcome.SUCCEEDED if paid else AttemptOutcome.UNKNOWN,
            error="" if paid else SWEPT,
        )
        if paid is not None:
            _succeed(payout, paid.reference, at)
        elif payout.round_attempts >= int(settings.PAYOUT_MAX_ATTEMPTS):
            _fail(payout, at, NO_ANSWER, declined=False)
        else:
            Payout.objects.filter(pk=payout.pk).update(
                status=PayoutStatus.PENDING,
                next_attempt_at=at,
                processing_since=None,
                enqueued_at=None,
                last_error=SWEPT,
                updated_at=at,
            )
        refund_sync_payouts(refund=refund, at=at)
    return 1


def payout_retry(*, payout: Payout, actor: Any) -> Payout:
    """Finance retry: a failed payout goes back to pending with a new round
    of attempts, under the same key. Compare-and-swap: a second concurrent
    retry finds it no longer failed."""
    now = clock.now()
    with transaction.atomic():
        updated = Payout.objects.filter(
            pk=payout.pk, status=PayoutStatus.FAILED, closed=False
        ).update(
            status=PayoutStatus.PENDING,
            round_attempts=0,
            next_attempt_at=now,
            enqueued_at=now,
            updated_at=now,
        )
        if updated != 1:
            raise Conflict(_("Only a failed payout can be retried."))
        _enqueue([payout.pk])
    payout.refresh_from_db()
    return payout


def payout_reroute(
    *, payout: Payout, actor: Any, method: str, note: str, note_for_customer: bool = False
) -> Payout:
    """Close a failed payout and pay its amount to the customer's platform
    balance instead, as a new payout with its own key. Finance's note is for
    staff unless ``note_for_customer``."""
    from refunds.presenters import PAID_TO_BALANCE, PAYOUT_REROUTED
    from refunds.services import refund_note

    if method != TenderMethod.WALLET:
        raise ApplicationError(
            "validation_error",
            _("A failed payout can only be rerouted to the platform balance (wallet)."),
            fields={"method": [_("Only wallet is allowed.")]},
        )
    now = clock.now()
    with transaction.atomic():
        refund, locked = _lock_chain(payout.pk)
        updated = Payout.objects.filter(
            pk=locked.pk, status=PayoutStatus.FAILED, closed=False
        ).update(closed=True, updated_at=now)
        if updated != 1:
            raise Conflict(_("Only a failed payout that is still open can be rerouted."))
        new = Payout.objects.create(
            refund=refund,
            tender=locked.tender,
            method=TenderMethod.WALLET,
            account=f"wallet:{refund.customer.get_username()}",
            amount=locked.amount,
            idempotency_key=new_idempotency_key(),
            next_attempt_at=now,
            enqueued_at=now,
            rerouted_from=locked,
            created_at=now,
            updated_at=now,
        )
        # Finance's words are for staff unless marked for the customer, who
        # always reads where the money goes.
        refund_note(
            refund=refund,
            actor=actor,
            message=PAYOUT_REROUTED,
            facts={"amount": str(locked.amount), "note": note},
            at=now,
            internal=not note_for_customer,
        )
        refund_note(
            refund=refund,
            actor=None,
            message=PAID_TO_BALANCE,
            facts={"amount": str(locked.amount)},
            at=now,
        )
        _enqueue([new.pk])
    return new
