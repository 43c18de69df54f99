"""Every write on refund requests: filing (with auto-review), cancelling,
appealing and feedback. Filing and preview share one code path
(``_assess``), so that they can never disagree.

Locks are taken in a fixed order: the order row, then the request, then
its payouts.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import roles
from orders.models import Order
from orders.selectors import (
    OrderRefundable,
    customer_order_with_items,
    line_label,
    order_refundable,
)
from payouts.services import payouts_create_for_refund
from refundportal import clock, sentences, sqlrows
from refundportal.api import ApplicationError, Conflict
from refundportal.money import allocate, money_sum, part_of_line, to_money

from . import presenters, sla, states
from .models import (
    Appeal,
    DecisionSource,
    Evidence,
    Feedback,
    Reason,
    RefundItem,
    RefundPolicy,
    RefundRequest,
    TimelineEvent,
)
from .policy import Decision, Situation, decide, decision_message
from .risk import Risk, assess_risk, refunder_since
from .selectors import (
    Written,
    can_appeal,
    can_give_feedback,
    filing_standing,
    has_appeal,
    is_refunded_partial,
    open_request_on,
    order_refundable_now,
)
from .states import RefundStatus

MAX_PHOTOS = 6


@dataclass(frozen=True)
class BreakdownLine:
    line: str
    name: str
    quantity: int
    gross: Decimal
    discount_share: Decimal
    amount: Decimal
    item_id: int | None = None

    def as_dict(self, approved: Decimal | None = None) -> dict[str, Any]:
        row = {
            "line": self.line,
            "name": line_label(self.line, self.name),
            "quantity": self.quantity,
            "gross": str(self.gross),
            "discount_share": str(self.discount_share),
            "amount": str(self.amount),
        }
        if approved is not None:
            row["approved"] = str(approved)
        return row


@dataclass(frozen=True)
class Assessment:
    order: Order
    breakdown: list[BreakdownLine]
    amount: Decimal
    risk: Risk
    decision: Decision
    photos: list[Evidence]

    @property
    def message(self) -> str:
        return decision_message(self.decision.rule, self.decision.outcome, self.decision.facts)

    @property
    def approved_shares(self) -> list[Decimal | None]:
        """The approved amount spread over the lines (largest remainder), as
        filing stores it; nothing per line unless the outcome is an approval."""
        if self.decision.outcome != RefundStatus.APPROVED or not self.breakdown:
            return [None] * len(self.breakdown)
        return list(allocate(self.decision.amount, [line.amount for line in self.breakdown]))

    def breakdown_rows(self) -> list[dict[str, Any]]:
        return [
            line.as_dict(share)
            for line, share in zip(self.breakdown, self.approved_shares, strict=True)
        ]


def _fields_error(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        "validation_error",
        _("Invalid input: %(error)s") % {"error": f"{field}: {message}"},
        fields={field: [message]},
    )


def _breakdown(
    refundable: OrderRefundable, items: Sequence[dict[str, Any]]
) -> tuple[list[BreakdownLine], bool]:
    """The lines a request refunds and their amounts; and whether it asks
    for more units than are left (policy rule 1)."""
    if not items:
        lines = []
        for left in refundable.lines:
            amount = left.remaining_amount
            if amount <= 0:
                continue
            quantity = left.remaining_quantity
            # Money left on a line whose units are all taken (after a partial
            # approval) is refunded as it is, with no units.
            gross = to_money(left.unit_price * quantity) if quantity else amount
            lines.append(
                BreakdownLine(
                    line=left.key,
                    name=left.name,
                    quantity=quantity,
                    gross=gross,
                    discount_share=gross - amount,
                    amount=amount,
                    item_id=left.item.pk if left.item else None,
                )
            )
        return lines, False

    lines = []
    seen: set[str] = set()
    for index, wanted in enumerate(items):
        key = str(wanted["item"])
        line = refundable.line(key)
        if line is None or line.item is None:
            raise _fields_error(
                "items", _("Item %(item)s is not on this order.") % {"item": wanted["item"]}
            )
        if key in seen:
            raise _fields_error(
                "items", _("Each item may be named once (line %(n)s).") % {"n": index + 1}
            )
        seen.add(key)
        quantity = int(wanted["quantity"])
        if quantity > line.remaining_quantity:
            return [], True
        amount = part_of_line(
            line_refundable=line.refundable,
            line_quantity=line.quantity,
            quantity=quantity,
            already_refunded_quantity=line.claimed.quantity,
            already_refunded_amount=line.claimed.amount,
        )
        gross = to_money(line.unit_price * quantity)
        lines.append(
            BreakdownLine(
                line=key,
                name=line.name,
                quantity=quantity,
                gross=gross,
                discount_share=gross - amount,
                amount=amount,
                item_id=line.item.pk,
            )
        )
    return lines, False


def _photos(customer: Any, evidence_ids: Sequence[int], *, lock: bool) -> list[Evidence]:
    ids = list(dict.fromkeys(int(i) for i in evidence_ids))
    if len(ids) > MAX_PHOTOS:
        raise _fields_error("evidence", _("At most %(n)s photos per request.") % {"n": MAX_PHOTOS})
    if not ids:
        return []
    qs = Evidence.objects.filter(pk__in=ids, owner=customer, request__isnull=True)
    if lock:
        qs = qs.select_for_update()
    photos = list(qs)
    if len(photos) != len(ids):
        missing = sorted(set(ids) - {p.pk for p in photos})
        raise _fields_error(
            "evidence",
            _("Photos %(ids)s are not yours or are already attached to a request.")
            % {"ids": ", ".join(map(str, missing))},
        )
    return photos


def _assess(
    *,
    customer: Any,
    order: Order,
    reason: str,
    items: Sequence[dict[str, Any]],
    photos: list[Evidence],
    policy: RefundPolicy,
) -> Assessment:
    now = clock.now()
    standing = filing_standing(order, refunder_since(now, policy))
    refundable = order_refundable(order, standing.claims)
    breakdown, quantity_over = _breakdown(refundable, items)
    amount = money_sum([line.amount for line in breakdown])
    risk = assess_risk(
        customer=customer,
        now=now,
        amount=amount,
        photos=photos,
        policy=policy,
        recent_requests=standing.recent_requests,
    )
    situation = Situation(
        now=now,
        reason=reason,
        order_status=order.status,
        promised_at=order.promised_at,
        delivered_at=order.delivered_at,
        paid_total=order.paid_total,
        requested_amount=amount,
        nothing_left=refundable.total <= 0,
        quantity_over=quantity_over,
        has_photo=bool(photos),
        open_request=standing.open_request,
        late_compensated_by=standing.late_compensated_by,
        risk_flags=risk.flags,
    )
    return Assessment(order, breakdown, amount, risk, decide(situation, policy), photos)


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


def _request_open(request_id: int) -> ApplicationError:
    return ApplicationError(
        "request_open",
        decision_message("R3", "refused", {"request": request_id}),
        409,
        extra={"rule": "R3", "request": request_id},
    )


def _own_order(customer: Any, number: str, *, lock: bool) -> Order:
    """The customer's order with its items, in one query, the order row
    locked when ``lock``."""
    found = customer_order_with_items(customer.pk, number, lock=lock)
    if found is not None:
        return found
    # An order without items (none comes through the API) is read on its own.
    orders = Order.objects.filter(number=number, customer=customer)
    if lock:
        orders = orders.select_for_update()
    found = orders.prefetch_related("items").first()
    if found is None:
        raise _fields_error("order", _("No such order among yours."))
    return found


def refund_preview(
    *,
    customer: Any,
    order_number: str,
    reason: str,
    items: Sequence[dict[str, Any]] = (),
    evidence_ids: Sequence[int] = (),
) -> Assessment:
    """What filing would decide now; nothing is stored. A refusal raises the
    same error filing would."""
    order = _own_order(customer, order_number, lock=False)
    photos = _photos(customer, evidence_ids, lock=False)
    assessment = _assess(
        customer=customer,
        order=order,
        reason=reason,
        items=items,
        photos=photos,
        policy=RefundPolicy.current(),
    )
    if assessment.decision.refused:
        raise _refuse(assessment)
    return assessment


def refund_file(
    *,
    customer: Any,
    order_number: str,
    reason: str,
    description: str = "",
    items: Sequence[dict[str, Any]] = (),
    evidence_ids: Sequence[int] = (),
) -> RefundRequest:
    """File a request and run auto-review on it, in one transaction that
    holds the order row, so two requests on one order cannot both pass."""
    policy = RefundPolicy.current()
    try:
        with transaction.atomic():
            order = _own_order(customer, order_number, lock=True)
            photos = _photos(customer, evidence_ids, lock=True)
            assessment = _assess(
                customer=customer,
                order=order,
                reason=reason,
                items=items,
                photos=photos,
                policy=policy,
            )
            if assessment.decision.refused:
                raise _refuse(assessment)
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
            raise _request_open(open_request) from exc
        raise


def refund_file_for_failed_order(*, order: Order) -> RefundRequest | None:
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
        locked = _own_order(customer, order.number, lock=True)
        assessment = _assess(
            customer=customer,
            order=locked,
            reason=Reason.NOT_DELIVERED,
            items=(),
            photos=[],
            policy=policy,
        )
        if assessment.amount <= 0:
            return None
        # The platform's own failure is never refused or held: not by an
        # open request, the filing window, nor risk (SPEC 4, rules 4-5).
        owed = Decision("approved", "R5", assessment.amount, {"order_status": locked.status})
        return _store(
            customer,
            Reason.NOT_DELIVERED,
            "",
            replace(assessment, decision=owed),
            policy,
            whole_order=True,
        )


def _store(
    customer: Any,
    reason: str,
    description: str,
    assessment: Assessment,
    policy: RefundPolicy,
    *,
    whole_order: bool,
) -> RefundRequest:
    now = clock.now()
    decision = assessment.decision
    status = decision.outcome
    approved = decision.amount if status == RefundStatus.APPROVED else None
    request = RefundRequest(
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
        created_at=now,
        updated_at=now,
    )
    sqlrows.insert([request])
    # An approval is spread over the lines before they are written, as
    # _allocate_approval does for an agent's: one INSERT, no UPDATE after it.
    shares = assessment.approved_shares
    items = sqlrows.insert(
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
            for line, share in zip(assessment.breakdown, shares, strict=True)
        ]
    )
    if assessment.photos:
        Evidence.objects.filter(pk__in=[p.pk for p in assessment.photos]).update(request=request)
        for photo in assessment.photos:
            photo.request = request
    event = TimelineEvent(
        request=request,
        at=now,
        actor=None,
        actor_role="system",
        from_status="",
        to_status=status,
        rule=decision.rule,
        facts=decision.facts,
    )
    sqlrows.insert([event])
    payouts = payouts_create_for_refund(refund=request) if status == RefundStatus.APPROVED else []
    _notify_status(
        request, presenters.auto_decision(decision.rule, decision.outcome, decision.facts)
    )
    request.written = Written(  # type: ignore[attr-defined]
        items=items, evidence=list(assessment.photos), timeline=[event], payouts=payouts
    )
    return request


def _allocate_approval(request: RefundRequest, rows: list[RefundItem], approved: Decimal) -> None:
    """Spread an approved amount over the request's lines in proportion to
    what each asked, so that later requests see what is left of each line."""
    shares = allocate(approved, [row.amount for row in rows]) if rows else []
    for row, share in zip(rows, shares, strict=True):
        row.approved_amount = share
    RefundItem.objects.bulk_update(rows, ["approved_amount"])


def _notify_status(request: RefundRequest, note: dict[str, Any] | None) -> None:
    """Tell the customer where the request stands; ``note`` is a stored
    sentence (``refundportal.sentences``) or None."""
    from notifications.services import notify

    event = {
        RefundStatus.PENDING_REVIEW: "refund_submitted",
        RefundStatus.APPROVED: "refund_approved",
        RefundStatus.REJECTED: "refund_rejected",
        RefundStatus.REFUNDED: "refund_refunded",
        RefundStatus.CANCELLED: "refund_cancelled",
    }.get(RefundStatus(request.status))
    if event:
        notify(
            user=request.customer,
            event=event,
            facts={"request": presenters.request_facts(request), "note": note},
            link=f"/refunds/{request.pk}/",
        )


def _locked(request_id: int) -> RefundRequest:
    """The request with its order row locked first, then its own row."""
    order_id = (
        RefundRequest.objects.filter(pk=request_id).values_list("order_id", flat=True).first()
    )
    if order_id is None:
        raise RefundRequest.DoesNotExist
    Order.objects.select_for_update().filter(pk=order_id).first()
    return (
        RefundRequest.objects.select_for_update()
        .select_related("order", "customer")
        .get(pk=request_id)
    )


def refund_cancel(*, request: RefundRequest, customer: Any) -> RefundRequest:
    with transaction.atomic():
        locked = _locked(request.pk)
        if locked.status != RefundStatus.PENDING_REVIEW:
            raise Conflict(_("Only a request still under review can be cancelled."))
        states.move(
            locked,
            RefundStatus.CANCELLED,
            at=clock.now(),
            actor=customer,
            actor_role=roles.CUSTOMER,
            message=presenters.CANCELLED_BY_CUSTOMER,
            changes={"assignee": None, "claim_expires_at": None},
        )
        _notify_status(locked, None)
    return locked


def refund_appeal(
    *, request: RefundRequest, customer: Any, reason: str, evidence_ids: Sequence[int] = ()
) -> RefundRequest:
    """A rejection, or a partial approval once its approved part is refunded,
    may be appealed once, within the appeal window: the request returns to
    the queue escalated, for a senior agent who did not decide it. On a
    partial approval what was paid stays paid: the appeal can only add."""
    policy = RefundPolicy.current()
    with transaction.atomic():
        locked = _locked(request.pk)
        partial = is_refunded_partial(locked)
        if locked.status != RefundStatus.REJECTED and not partial:
            raise Conflict(_("Only a rejection, or a partial refund once paid, can be appealed."))
        if not can_appeal(locked, policy):
            raise Conflict(
                _("A request can be appealed once, within %(days)s days of the decision.")
                % {"days": policy.appeal_days}
            )
        open_request = open_request_on(locked.order_id)
        if open_request is not None:
            raise _request_open(open_request)
        if not _claim_still_refundable(locked):
            raise ApplicationError(
                "not_refundable",
                _("Another request has refunded this money since; nothing is left to appeal for."),
            )
        already = locked.evidence.count()
        photos = _photos(customer, evidence_ids, lock=True)
        if already + len(photos) > MAX_PHOTOS:
            raise _fields_error(
                "evidence", _("At most %(n)s photos per request.") % {"n": MAX_PHOTOS}
            )
        now = clock.now()
        try:
            Appeal.objects.create(
                request=locked, reason=reason, rejected_by=locked.decided_by, created_at=now
            )
        except IntegrityError as exc:
            raise Conflict(_("This request was already appealed.")) from exc
        if photos:
            Evidence.objects.filter(pk__in=[p.pk for p in photos]).update(
                request=locked, for_appeal=True
            )
        states.move(
            locked,
            RefundStatus.PENDING_REVIEW,
            at=now,
            actor=customer,
            actor_role=roles.CUSTOMER,
            note=reason,
            changes={
                "escalated": True,
                "escalated_at": now,
                "breached": False,
                "review_due_at": now + timedelta(hours=policy.review_sla_hours),
                # A partial approval keeps what was paid; a rejection had none.
                "approved_amount": locked.approved_amount if partial else None,
                "assignee": None,
                "claim_expires_at": None,
            },
        )
        from notifications.services import notify

        notify(
            user=locked.customer,
            event="refund_appealed",
            facts={"request": presenters.request_facts(locked)},
            link=f"/refunds/{locked.pk}/",
        )
    return locked


def _claim_still_refundable(request: RefundRequest) -> bool:
    """Whether what an appeal asks for is still left. A rejected request's
    claim went back with the rejection, and the appeal takes its lines
    again; a paid partial approval still holds its units and its paid share,
    and the appeal asks for the money between that and what was asked."""
    refundable = order_refundable_now(request.order)
    partial = request.status == RefundStatus.REFUNDED
    for row in request.items.all():
        line = refundable.line(row.line)
        if line is None:
            return False
        if partial:
            if row.amount - (row.approved_amount or 0) > line.remaining_amount:
                return False
            continue
        if row.quantity > line.remaining_quantity or row.amount > line.remaining_amount:
            return False
    return True


def refund_feedback(
    *, request: RefundRequest, customer: Any, rating: int, comment: str = ""
) -> Feedback:
    with transaction.atomic():
        locked = _locked(request.pk)
        if not can_give_feedback(locked):
            raise Conflict(
                _("Feedback can be given once, after the request is refunded or rejected.")
            )
        try:
            with transaction.atomic():
                return Feedback.objects.create(
                    request=locked, rating=rating, comment=comment, created_at=clock.now()
                )
        except IntegrityError as exc:
            raise Conflict(_("Feedback was already given for this request.")) from exc


def evidence_store(*, owner: Any, photo: Any) -> Evidence:
    """Keep a processed photo under its random name, with its hashes."""
    from django.core.files.base import ContentFile

    from .evidence import band_fields, to_signed

    evidence = Evidence(
        owner=owner,
        content_type=photo.content_type,
        size=len(photo.content),
        width=photo.width,
        height=photo.height,
        sha256=photo.sha256,
        phash=to_signed(photo.phash),
        **band_fields(photo.phash),
    )
    evidence.file.save(photo.name, ContentFile(photo.content), save=False)
    evidence.save()
    return evidence


# --- Payout progress --------------------------------------------------------------


def refund_sync_payouts(*, refund: RefundRequest, at: Any) -> RefundRequest:
    """Move a request after its payouts: ``payout_failed`` as soon as one is
    failed, ``refunded`` once every open payout has succeeded. Called by the
    payout service with the order and request rows already locked."""
    from payouts.models import Payout
    from payouts.states import PayoutStatus

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
    states.move(refund, target, at=at, actor=None, actor_role="system", message=message)
    if target == RefundStatus.REFUNDED:
        _notify_status(refund, sentences.sentence(message))
    else:
        from notifications.services import notify_role

        notify_role(
            role=roles.FINANCE,
            event="payout_failed",
            facts={"request": presenters.request_facts(refund)},
            link=f"/finance/payouts/?refund={refund.pk}",
        )
    return refund


def refund_note(
    *,
    refund: RefundRequest,
    actor: Any,
    at: Any,
    note: str = "",
    message: str = "",
    facts: dict[str, Any] | None = None,
    internal: bool = False,
) -> TimelineEvent:
    """A timeline entry that changes no status (a reroute, an escalation, a
    staff note): a person's ``note``, or a system sentence's ``message`` id
    with its ``facts``; an ``internal`` one is for staff only."""
    return TimelineEvent.objects.create(
        request=refund,
        at=at,
        actor=actor,
        actor_role=(roles.primary_role(actor) or "system") if actor else "system",
        from_status=refund.status,
        to_status=refund.status,
        note=note,
        message=message,
        facts=facts or {},
        internal=internal,
    )


# --- Review ---------------------------------------------------------------------


def _claim_is_live(refund: RefundRequest, now: Any) -> bool:
    return bool(refund.assignee_id and refund.claim_expires_at and refund.claim_expires_at > now)


def _check_reviewer(refund: RefundRequest, agent: Any) -> None:
    """Escalated requests and appeals are for senior agents only, and never
    for the agent who rejected the request before."""
    from django.core.exceptions import PermissionDenied

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


def refund_check_reviewer(*, refund: RefundRequest, agent: Any) -> None:
    """Raise unless ``agent`` may review ``refund``: the staff pages ask
    before they show a request, with the same rule claiming and deciding
    apply."""
    _check_reviewer(refund, agent)


def refund_claim(*, refund: RefundRequest, agent: Any) -> RefundRequest:
    """Assign a pending request to ``agent`` for 15 minutes; claiming again
    renews it. Another agent's live claim is a conflict; a stale one can be
    taken over."""
    now = clock.now()
    with transaction.atomic():
        locked = _locked(refund.pk)
        if locked.status != RefundStatus.PENDING_REVIEW:
            raise Conflict(_("Only a request under review can be claimed."))
        _check_reviewer(locked, agent)
        if _claim_is_live(locked, now) and locked.assignee_id != agent.pk:
            raise Conflict(
                _("%(name)s is working on this request.")
                % {"name": locked.assignee.get_username() if locked.assignee else "?"}
            )
        expires = now + timedelta(minutes=sla.claim_minutes())
        RefundRequest.objects.filter(pk=locked.pk).update(
            assignee=agent, claim_expires_at=expires, updated_at=now
        )
        locked.assignee = agent
        locked.claim_expires_at = expires
    return locked


def refund_decide(
    *,
    refund: RefundRequest,
    agent: Any,
    decision: str,
    note: str = "",
    amount: Decimal | None = None,
) -> RefundRequest:
    """An agent approves (in full or in part) or rejects a pending request.
    A partial approval and a rejection need a note."""
    now = clock.now()
    note = (note or "").strip()
    with transaction.atomic():
        locked = _locked(refund.pk)
        if locked.status != RefundStatus.PENDING_REVIEW:
            raise Conflict(_("Only a request under review can be decided."))
        _check_reviewer(locked, agent)
        if _claim_is_live(locked, now) and locked.assignee_id != agent.pk:
            raise Conflict(_("Another agent holds this request; wait or ask them."))
        if decision == "reject" and not note:
            raise _fields_error("note", _("A rejection needs a note for the customer."))
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
            _notify_status(locked, sentences.typed(note))
            return locked
        approved = requested if amount is None else to_money(amount)
        floor = paid or Decimal("0.00")
        if approved <= floor or approved > requested:
            raise _fields_error(
                "amount",
                _("The amount must be above %(floor)s and at most the requested %(amount)s.")
                % {"floor": f"¥{floor}", "amount": f"¥{requested}"},
            )
        if approved < requested and not note:
            raise _fields_error("note", _("A partial approval needs a note for the customer."))
        states.move(
            locked,
            RefundStatus.APPROVED,
            at=now,
            actor=agent,
            actor_role=roles.primary_role(agent) or roles.AGENT,
            note=note,
            changes=_decision_changes(agent, now, note, approved=approved),
        )
        _allocate_approval(locked, list(locked.items.all()), approved)
        payouts_create_for_refund(refund=locked, amount=approved - floor)
        _notify_status(locked, sentences.typed(note) if note else None)
    return locked


def _decision_changes(agent: Any, now: Any, note: str, approved: Decimal | None) -> dict[str, Any]:
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


# --- SLA timers -----------------------------------------------------------------


def sla_sweep(at: Any) -> dict[str, int]:
    """Escalate undecided requests at 80 % of the review time, mark them
    breached past due, and alert finance (and tell the customer) when an
    approved refund is still unpaid 24 h after approval. Flags make a second
    run at the same time change nothing."""
    from django.db.models import DurationField, ExpressionWrapper, F

    from notifications.services import notify, notify_role

    escalated = breached = delayed = 0
    pending = RefundRequest.objects.filter(status=RefundStatus.PENDING_REVIEW)
    window = ExpressionWrapper(F("review_due_at") - F("created_at"), output_field=DurationField())
    for refund in pending.filter(escalated=False).annotate(window=window).select_related("order"):
        if at >= refund.created_at + refund.window * sla.ESCALATE_AT_FRACTION:
            with transaction.atomic():
                updated = RefundRequest.objects.filter(
                    pk=refund.pk, status=RefundStatus.PENDING_REVIEW, escalated=False
                ).update(escalated=True, escalated_at=at)
                if updated:
                    escalated += 1
                    refund_note(
                        refund=refund,
                        actor=None,
                        message=presenters.ESCALATED,
                        facts={"percent": sla.ESCALATE_AT_PERCENT},
                        at=at,
                    )
                    notify_role(
                        role=roles.SENIOR_AGENT,
                        event="refund_escalated",
                        facts={"request": presenters.request_facts(refund)},
                        link=f"/review/{refund.pk}/",
                    )
    breached = pending.filter(breached=False, review_due_at__lt=at).update(breached=True)

    hours = sla.payout_due_hours()
    late = RefundRequest.objects.filter(
        status__in=(RefundStatus.APPROVED, RefundStatus.PAYOUT_FAILED),
        payout_delay_alerted=False,
        decided_at__lt=at - timedelta(hours=hours),
    ).select_related("order", "customer")
    for unpaid in late:
        with transaction.atomic():
            if not RefundRequest.objects.filter(pk=unpaid.pk, payout_delay_alerted=False).update(
                payout_delay_alerted=True
            ):
                continue
            delayed += 1
            notify_role(
                role=roles.FINANCE,
                event="payout_delayed",
                facts={"request": presenters.request_facts(unpaid), "hours": hours},
                link=f"/finance/payouts/?refund={unpaid.pk}",
            )
            notify(
                user=unpaid.customer,
                event="refund_delayed",
                facts={"request": presenters.request_facts(unpaid)},
                link=f"/refunds/{unpaid.pk}/",
            )
    return {"escalated": escalated, "breached": breached, "payout_delayed": delayed}


# --- Staff notes ----------------------------------------------------------------

NOTE_MAX_LENGTH = 2000


def refund_note_add(
    *, refund: RefundRequest, author: Any, note: str, internal: bool = True
) -> TimelineEvent:
    """A staff member's note on the timeline, changing no status. An
    internal note is for staff only; the customer sees any other one on
    their timeline, without a notification (no notification is about a
    note, and the customer reads it where they follow the request)."""
    from django.core.exceptions import PermissionDenied

    if not roles.is_staff_role(author):
        raise PermissionDenied
    text = (note or "").strip()
    if not text:
        raise _fields_error("note", _("Write a note."))
    if len(text) > NOTE_MAX_LENGTH:
        raise _fields_error(
            "note", _("A note has at most %(n)s characters.") % {"n": NOTE_MAX_LENGTH}
        )
    with transaction.atomic():
        # The row lock keeps the status from moving under the note.
        locked = _locked(refund.pk)
        return refund_note(
            refund=locked, actor=author, note=text, at=clock.now(), internal=internal
        )
