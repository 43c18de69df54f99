"""Filing a request: read the order and its standing, assess (the pure
arithmetic in ``refunds.assessment``, the rules in ``refunds.policy``), and
store the request with auto-review's decision, in one transaction that
holds the order row, so that two requests on one order cannot both pass.
Preview runs the same assessment and stores nothing."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.users import User
from orders.models import Order, OrderItem
from orders.selectors import customer_order_with_items, merchant_answers, order_refundable
from payouts.models import Payout
from refundportal import clock
from refundportal.api import ApplicationError
from refundportal.money import money_sum

from .. import presenters
from ..assessment import Assessment, breakdown_of, fields_error, situation_of
from ..liability import default_liability
from ..models import (
    DecisionSource,
    Evidence,
    Reason,
    RefundItem,
    RefundPolicy,
    RefundRequest,
    TimelineEvent,
)
from ..policy import REFUSED, Decision, decide, decision_message
from ..presenters import RefundView
from ..risk import assess_risk, refunder_since
from ..selectors import filing_standing, open_request_on
from ..states import RefundStatus
from .common import notify_merchant, notify_status
from .paying import refund_payouts_create

MAX_PHOTOS = 6


@dataclass(frozen=True)
class Filed:
    """What a filing wrote: the request, its lines, its photos, its first
    timeline step and the payouts an automatic approval started."""

    request: RefundRequest
    items: list[RefundItem]
    photos: list[Evidence]
    timeline: list[TimelineEvent]
    payouts: list[Payout]

    def shown(self) -> RefundView:
        """The request as every reader is shown it, from these rows."""
        return RefundView(
            request=self.request,
            items=self.items,
            photos=sorted(self.photos, key=lambda photo: (photo.created_at, photo.pk)),
            timeline=self.timeline,
            payouts=self.payouts,
            appealed=False,
            rated=False,
        )


def refund_preview(
    *,
    customer: User,
    order_number: str,
    reason: str,
    items: Sequence[dict[str, Any]] = (),
    evidence_ids: Sequence[int] = (),
) -> Assessment:
    """What filing would decide now; nothing is stored. A refusal raises the
    same error filing would."""
    return _assess_filing(
        customer, order_number, reason, items, evidence_ids, RefundPolicy.current(), lock=False
    )


def refund_file(
    *,
    customer: User,
    order_number: str,
    reason: str,
    description: str = "",
    items: Sequence[dict[str, Any]] = (),
    evidence_ids: Sequence[int] = (),
) -> Filed:
    """File a request and run auto-review on it, in one transaction that
    holds the order row, so two requests on one order cannot both pass."""
    policy = RefundPolicy.current()
    try:
        with transaction.atomic():
            assessment = _assess_filing(
                customer, order_number, reason, items, evidence_ids, policy, lock=True
            )
            return _store(customer, reason, description, assessment, policy, whole_order=not items)
    except IntegrityError as exc:
        # The partial unique index caught a second open request that slipped
        # past the lock (SQLite has no row locks).
        order_id = (
            Order.objects.filter(number=order_number, customer=customer)
            .values_list("pk", flat=True)
            .first()
        )
        open_request = open_request_on(order_id) if order_id is not None else None
        if open_request is not None:
            raise request_open(open_request) from exc
        raise


def refund_file_for_failed_order(*, order: Order) -> Filed | None:
    """SPEC step 8: a paid order that was cancelled or could not be
    delivered refunds itself. A whole-order request is filed on the
    customer's behalf, approved under rule R5 and paid; nothing is filed
    when nothing is left. Runs inside the event's transaction, which holds
    the order row.

    A request of the customer's still under review keeps its claim and
    stays with the agents; this one takes what is left beside it."""
    policy = RefundPolicy.current()
    with transaction.atomic():
        customer = order.customer
        locked, order_items = _own_order(customer, order.number, lock=True)
        assessment = _assess(
            customer=customer,
            order=locked,
            order_items=order_items,
            reason=Reason.NOT_DELIVERED,
            items=(),
            photos=[],
            policy=policy,
        )
        if assessment.amount <= 0:
            return None
        # The platform's own failure is never refused or held: not by an
        # open request, the filing window, nor risk (SPEC 4, rules 4-5).
        owed = Decision(
            RefundStatus.APPROVED, "R5", assessment.amount, {"order_status": locked.status}
        )
        return _store(
            customer,
            Reason.NOT_DELIVERED,
            "",
            replace(assessment, decision=owed),
            policy,
            whole_order=True,
        )


def photos_to_attach(customer: User, evidence_ids: Sequence[int], *, lock: bool) -> list[Evidence]:
    """The customer's own photos, not yet on a request, by id."""
    ids = list(dict.fromkeys(int(i) for i in evidence_ids))
    if len(ids) > MAX_PHOTOS:
        raise fields_error("evidence", _("At most %(n)s photos per request.") % {"n": MAX_PHOTOS})
    if not ids:
        return []
    qs = Evidence.objects.filter(pk__in=ids, owner=customer, request__isnull=True)
    if lock:
        qs = qs.select_for_update()
    photos = list(qs)
    if len(photos) != len(ids):
        missing = sorted(set(ids) - {p.pk for p in photos})
        raise fields_error(
            "evidence",
            _("Photos %(ids)s are not yours or are already attached to a request.")
            % {"ids": ", ".join(map(str, missing))},
        )
    return photos


def request_open(request_id: int) -> ApplicationError:
    """409 ``request_open`` (rule R3), naming the request under review."""
    return ApplicationError(
        "request_open",
        decision_message("R3", REFUSED, {"request": request_id}),
        409,
        extra={"rule": "R3", "request": request_id},
    )


def _own_order(customer: User, number: str, *, lock: bool) -> tuple[Order, list[OrderItem]]:
    """The customer's order and its items, the order row locked when
    ``lock``."""
    found = customer_order_with_items(customer.pk, number, lock=lock)
    if found is None:
        raise fields_error("order", _("No such order among yours."))
    return found


def _assess_filing(
    customer: User,
    order_number: str,
    reason: str,
    items: Sequence[dict[str, Any]],
    evidence_ids: Sequence[int],
    policy: RefundPolicy,
    *,
    lock: bool,
) -> Assessment:
    """A customer's filing assessed; a refusal raises its error. With
    ``lock``, the order row and the photos are held until the caller's
    transaction ends."""
    order, order_items = _own_order(customer, order_number, lock=lock)
    photos = photos_to_attach(customer, evidence_ids, lock=lock)
    assessment = _assess(
        customer=customer,
        order=order,
        order_items=order_items,
        reason=reason,
        items=items,
        photos=photos,
        policy=policy,
    )
    if assessment.decision.refused:
        raise _refuse(assessment)
    return assessment


def _assess(
    *,
    customer: User,
    order: Order,
    order_items: list[OrderItem],
    reason: str,
    items: Sequence[dict[str, Any]],
    photos: list[Evidence],
    policy: RefundPolicy,
) -> Assessment:
    now = clock.now()
    standing = filing_standing(order, refunder_since(now, policy))
    refundable = order_refundable(order, standing.claims, order_items)
    breakdown, quantity_over = breakdown_of(refundable, items)
    amount = money_sum([line.amount for line in breakdown])
    risk = assess_risk(
        customer=customer,
        now=now,
        amount=amount,
        photos=photos,
        policy=policy,
        recent_requests=standing.recent_requests,
    )
    situation = situation_of(
        now=now,
        reason=reason,
        order=order,
        amount=amount,
        refundable=refundable,
        quantity_over=quantity_over,
        photos=photos,
        open_request=standing.open_request,
        late_compensated_by=standing.late_compensated_by,
        risk=risk,
    )
    return Assessment(
        order,
        breakdown,
        amount,
        risk,
        decide(situation, policy),
        photos,
        first_on_order=standing.first_on_order,
    )


def _refuse(assessment: Assessment) -> ApplicationError:
    decision = assessment.decision
    extra: dict[str, Any] = {"rule": decision.rule}
    if decision.code == "too_early":
        extra["available_at"] = decision.facts["available_at"]
    if decision.code == "window_closed":
        extra["closed_at"] = decision.facts["closed_at"]
    if decision.code in ("request_open", "already_compensated"):
        extra["request"] = decision.facts["request"]
    return ApplicationError(decision.code, assessment.message, decision.http_status, extra=extra)


# The rules under which a request goes to the merchant before the platform.
MERCHANT_FIRST_RULES = frozenset({"R12", "R13"})


def to_merchant_first(outcome: str, rule: str, order: Order) -> bool:
    """A request auto-review leaves for a person under rules 12 or 13 goes
    to the order's merchant first, if anyone answers for it in the portal."""
    return (
        outcome == RefundStatus.PENDING_REVIEW
        and rule in MERCHANT_FIRST_RULES
        and merchant_answers(order.merchant_id)
    )


def _store(
    customer: User,
    reason: str,
    description: str,
    assessment: Assessment,
    policy: RefundPolicy,
    *,
    whole_order: bool,
) -> Filed:
    now = clock.now()
    decision = assessment.decision
    status = decision.outcome
    merchant_due_at = None
    if to_merchant_first(decision.outcome, decision.rule, assessment.order):
        # The merchant answers first for its food or a change of mind before
        # pickup (SPEC 12); the sentence the customer reads says by when.
        status = RefundStatus.AWAITING_MERCHANT
        merchant_due_at = now + timedelta(minutes=policy.merchant_response_minutes)
        decision = replace(
            decision, facts={**decision.facts, "merchant_due_at": merchant_due_at.isoformat()}
        )
    approved = decision.amount if status == RefundStatus.APPROVED else None
    request = RefundRequest.objects.create(
        order=assessment.order,
        customer=customer,
        reason=reason,
        description=description,
        status=status,
        whole_order=whole_order,
        requested_amount=assessment.amount,
        approved_amount=approved,
        decision_source=DecisionSource.AUTO,
        decision_rule=decision.rule,
        decision_note="",  # rendered from the rule and its facts when read
        decision_facts=decision.facts,
        decided_at=now,
        risk_score=assessment.risk.score,
        risk_level=assessment.risk.level,
        risk_flags=list(assessment.risk.flags),
        risk_reasons=assessment.risk.reasons,
        review_due_at=now + timedelta(hours=policy.review_sla_hours),
        merchant_due_at=merchant_due_at,
        liability=default_liability(
            reason=reason,
            rule=decision.rule,
            source=DecisionSource.AUTO,
            order_status=assessment.order.status,
        )
        if approved is not None
        else "",
        created_at=now,
        updated_at=now,
    )
    # An approval is spread over the lines before they are written, as an
    # agent's approval spreads it: one INSERT, no UPDATE after it.
    items = RefundItem.objects.bulk_create(
        [
            RefundItem(
                request=request,
                line=line.line,
                item_id=line.item_id,
                name=line.name,
                quantity=line.quantity,
                gross=line.gross,
                discount_share=line.discount_share,
                amount=line.amount,
                approved_amount=share,
            )
            for line, share in zip(assessment.breakdown, assessment.approved_shares, strict=True)
        ]
    )
    if assessment.photos:
        Evidence.objects.filter(pk__in=[p.pk for p in assessment.photos]).update(request=request)
        for photo in assessment.photos:
            photo.request = request
    event = request.timeline.create(
        at=now,
        actor=None,
        actor_role=roles.SYSTEM,
        from_status="",
        to_status=status,
        rule=decision.rule,
        facts=decision.facts,
    )
    payouts: list[Payout] = []
    if status == RefundStatus.APPROVED:
        payouts = refund_payouts_create(refund=request, nothing_taken=assessment.first_on_order)
    notify_status(request, presenters.auto_decision(decision.rule, status, decision.facts))
    if status == RefundStatus.AWAITING_MERCHANT:
        notify_merchant(request, "merchant_request")
    return Filed(
        request=request,
        items=items,
        photos=list(assessment.photos),
        timeline=[event],
        payouts=payouts,
    )
