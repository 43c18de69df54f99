"""Every write on payouts, as a lower layer: payouts know tenders and
gateways, never refund requests. What changes a request's status (an
approval, a payout's answer, finance's reroute) is a refund transaction
(``refunds.services.paying``), which takes the locks (order, request,
payout) and calls these functions inside it.

Exactly once, in short: a payout has one idempotency key for life; an
attempt is recorded (outcome ``unknown``) and committed before the gateway
call, the call runs outside any transaction, and its answer is recorded
after. Whatever retries, crashes or duplicate messages happen, the gateway
sees one key per payout and pays it at most once.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import roles
from accounts.users import User
from orders.models import TenderMethod
from refundportal.api import Conflict
from refundportal.money import ZERO, split_over_tenders, to_money

from . import states
from .gateways import GatewayResult, GatewayTimeout, gateway_for
from .models import AttemptOutcome, Payout, PayoutAttempt
from .presenters import GATEWAY_ERROR, GATEWAY_TIMEOUT, NO_ANSWER, SWEPT
from .selectors import order_tenders, tenders_with_open_payouts
from .states import PayoutStatus

logger = logging.getLogger(__name__)

REROUTED = "rerouted"


def new_idempotency_key() -> str:
    return f"rp_{uuid.uuid4().hex}"


def payouts_create(
    *, refund_id: int, order_id: int, amount: Decimal, at: datetime, nothing_taken: bool = False
) -> list[Payout]:
    """Split ``amount`` over the order's tenders, in proportion to what each
    paid and never above what each has left to take back. In the caller's
    transaction; the caller sends the first attempts once it commits.
    ``nothing_taken``: the caller knows the order has no payout yet (the
    tenders are then read alone, without summing their payouts)."""
    amount = to_money(amount)
    if amount <= 0:
        return []
    if nothing_taken:
        held = [(tender, ZERO) for tender in order_tenders(order_id)]
    else:
        held = tenders_with_open_payouts(order_id)
    tenders = [tender for tender, _ in held]
    remaining = [to_money(tender.amount) - to_money(taken) for tender, taken in held]
    shares = split_over_tenders(amount, [t.amount for t in tenders], remaining)
    payouts = Payout.objects.bulk_create(
        [
            Payout(
                refund_id=refund_id,
                tender=tender,
                method=tender.method,
                account=tender.account,
                amount=share,
                idempotency_key=new_idempotency_key(),
                next_attempt_at=at,
                enqueued_at=at,
                created_at=at,
                updated_at=at,
            )
            for tender, share in zip(tenders, shares, strict=True)
            if share > 0
        ]
    )
    return payouts


def backoff(attempt_number: int) -> timedelta:
    """After the n-th retryable failure the next attempt is due 5^(n-1)
    minutes later (1, 5, 25, 125 ...), capped at 6 h."""
    base = int(settings.PAYOUT_BACKOFF_BASE_MINUTES)
    cap = int(settings.PAYOUT_BACKOFF_CAP_MINUTES)
    return timedelta(minutes=min(base ** max(attempt_number - 1, 0), cap))


@dataclass(frozen=True)
class Taken:
    """A payout taken for one attempt, and that attempt's record."""

    payout: Payout
    attempt: PayoutAttempt


def payout_take(*, payout_id: int, at: datetime) -> Taken | None:
    """Take a due pending payout for an attempt and record the attempt
    before any call, in a transaction of its own (it moves no request). A
    payout locked by another worker is skipped, never waited for."""
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update(skip_locked=True)
            .filter(pk=payout_id, status=PayoutStatus.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))
            .first()
        )
        if payout is None:
            return None
        number = payout.attempts + 1
        states.move(
            payout,
            PayoutStatus.PROCESSING,
            at=at,
            changes={
                "processing_since": at,
                "attempts": number,
                "round_attempts": payout.round_attempts + 1,
            },
        )
        attempt = PayoutAttempt.objects.create(
            payout=payout,
            number=number,
            started_at=at,
            request={"idempotency_key": payout.idempotency_key, "amount": str(payout.amount)},
        )
    return Taken(payout, attempt)


def payout_call(payout: Payout) -> tuple[GatewayResult, int]:
    """The gateway call for a taken payout, never inside a transaction: its
    answer and how long it took (ms). A timeout or an error is retryable."""
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
    return result, int((time.monotonic() - began) * 1000)


def payout_record_answer(
    *, payout: Payout, attempt: PayoutAttempt, result: GatewayResult, duration_ms: int, at: datetime
) -> None:
    """Record the gateway's answer to an attempt, on a payout the caller
    has locked, in the caller's transaction."""
    PayoutAttempt.objects.filter(pk=attempt.pk).update(
        finished_at=at,
        outcome={
            "succeeded": AttemptOutcome.SUCCEEDED,
            "retryable": AttemptOutcome.RETRYABLE,
            "declined": AttemptOutcome.DECLINED,
        }[result.outcome],
        error=result.error,
        duration_ms=duration_ms,
        response={"outcome": result.outcome, "reference": result.reference},
    )
    still_ours = payout.status == PayoutStatus.PROCESSING and attempt.number == payout.attempts
    if result.outcome == "succeeded":
        # A success always counts, even one answered after the sweep took
        # the payout back: the key was paid once, and this is that payment.
        if payout.status != PayoutStatus.SUCCEEDED:
            _succeed(payout, result.reference, at)
    elif still_ours and result.outcome == "declined":
        _fail(payout, at, result.error, declined=True)
    elif still_ours and payout.round_attempts >= int(settings.PAYOUT_MAX_ATTEMPTS):
        _fail(payout, at, result.error, declined=False)
    elif still_ours:
        states.move(
            payout,
            PayoutStatus.PENDING,
            at=at,
            error=result.error,
            changes={
                "last_error": result.error,
                "next_attempt_at": at + backoff(payout.round_attempts),
                "processing_since": None,
                "enqueued_at": None,
            },
        )
    logger.info(
        "payout %s attempt %s: %s in %d ms",
        payout.pk,
        attempt.number,
        result.outcome,
        duration_ms,
        extra={"payout": payout.pk, "outcome": result.outcome},
    )


def payout_ask_gateway(payout: Payout) -> GatewayResult | None:
    """Whether the gateway paid the payout's key (outside any transaction)."""
    return gateway_for(payout.method).status(payout.idempotency_key)


def payout_record_recovery(*, payout: Payout, paid: GatewayResult | None, at: datetime) -> bool:
    """Take back a payout stuck in processing, on a row the caller has
    locked: paid means succeeded; not paid means due for its next attempt
    (or failed, past the attempts allowed). False when it was no longer
    stuck."""
    if payout.status != PayoutStatus.PROCESSING:
        return False
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
        states.move(
            payout,
            PayoutStatus.PENDING,
            at=at,
            error=SWEPT,
            changes={
                "next_attempt_at": at,
                "processing_since": None,
                "enqueued_at": None,
                "last_error": SWEPT,
            },
        )
    return True


def _succeed(payout: Payout, reference: str, at: datetime) -> None:
    states.move(
        payout,
        PayoutStatus.SUCCEEDED,
        at=at,
        changes={
            "gateway_reference": reference or None,
            "last_error": "",
            "next_attempt_at": None,
            "processing_since": None,
            "succeeded_at": at,
        },
    )


def _fail(payout: Payout, at: datetime, error: str, *, declined: bool) -> None:
    states.move(
        payout,
        PayoutStatus.FAILED,
        at=at,
        error=error,
        changes={
            "declined": declined,
            "last_error": error,
            "next_attempt_at": None,
            "processing_since": None,
        },
    )


def payouts_stuck(at: datetime) -> list[int]:
    """Payouts in processing longer than the sweep allows."""
    stuck_before = at - timedelta(minutes=int(settings.PAYOUT_STUCK_MINUTES))
    return list(
        Payout.objects.filter(
            status=PayoutStatus.PROCESSING, processing_since__lt=stuck_before
        ).values_list("pk", flat=True)
    )


def payouts_due_to_send(at: datetime, limit: int = 500) -> list[int]:
    """Due pending payouts with no attempt in flight (none sent in the last
    two minutes), marked as sent now."""
    in_flight_since = at - timedelta(minutes=2)
    due = list(
        Payout.objects.filter(status=PayoutStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=in_flight_since))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if due:
        Payout.objects.filter(pk__in=due).update(enqueued_at=at)
    return due


def payout_unsent(payout_id: int) -> None:
    """A payout whose attempt could not be sent: the next sweep sends it."""
    Payout.objects.filter(pk=payout_id).update(enqueued_at=None)


def payout_reopen(*, payout: Payout, actor: User, at: datetime) -> None:
    """Finance's retry, on a row the caller has locked: a failed payout goes
    back to pending with a new round of attempts, under the same key."""
    if not payout.needs_action:
        raise Conflict(_("Only a failed payout can be retried."))
    states.move(
        payout,
        PayoutStatus.PENDING,
        at=at,
        actor=actor,
        actor_role=roles.primary_role(actor) or roles.FINANCE,
        changes={"round_attempts": 0, "next_attempt_at": at, "enqueued_at": at},
    )


def payout_reroute_to_balance(*, payout: Payout, actor: User, account: str, at: datetime) -> Payout:
    """Close a failed payout (on a row the caller has locked) and create its
    amount's new payout to the customer's platform balance (``account``),
    with its own key."""
    if not payout.needs_action:
        raise Conflict(_("Only a failed payout that is still open can be rerouted."))
    role = roles.primary_role(actor) or roles.FINANCE
    if (
        Payout.objects.filter(pk=payout.pk, status=PayoutStatus.FAILED, closed=False).update(
            closed=True, updated_at=at
        )
        != 1
    ):
        raise Conflict(_("Only a failed payout that is still open can be rerouted."))
    payout.closed = True
    states.record(payout, at=at, actor=actor, actor_role=role, was=payout.status, what=REROUTED)
    new = Payout.objects.create(
        refund_id=payout.refund_id,
        tender=payout.tender,
        method=TenderMethod.WALLET,
        account=account,
        amount=payout.amount,
        idempotency_key=new_idempotency_key(),
        next_attempt_at=at,
        enqueued_at=at,
        rerouted_from=payout,
        created_at=at,
        updated_at=at,
    )
    return new
