"""What a customer does with a request after filing it: cancel it while
it is under review, appeal a decision once, and rate the outcome."""

from collections.abc import Sequence
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.users import User
from notifications.services import notify
from refundportal import clock
from refundportal.api import ApplicationError, Conflict

from .. import presenters, sla, states
from ..assessment import fields_error
from ..models import Appeal, Evidence, Feedback, RefundPolicy, RefundRequest
from ..selectors import (
    can_appeal,
    can_give_feedback,
    is_refunded_partial,
    open_request_on,
    order_refundable_now,
)
from ..states import OPEN, RefundStatus
from .common import locked_request, notify_status
from .filing import MAX_PHOTOS, photos_to_attach, request_open


def refund_cancel(*, request: RefundRequest, customer: User) -> RefundRequest:
    with transaction.atomic():
        locked = locked_request(request.pk)
        if locked.status not in OPEN:
            raise Conflict(_("Only a request still under review can be cancelled."))
        now = clock.now()
        states.move(
            locked,
            RefundStatus.CANCELLED,
            at=now,
            actor=customer,
            actor_role=roles.CUSTOMER,
            message=presenters.CANCELLED_BY_CUSTOMER,
            changes={
                "assignee": None,
                "claim_expires_at": None,
                "awaiting_since": None,
                "customer_reply_due_at": None,
                "customer_wait": sla.customer_waited(locked, now),
            },
        )
        notify_status(locked, None)
    return locked


def refund_appeal(
    *, request: RefundRequest, customer: User, reason: str, evidence_ids: Sequence[int] = ()
) -> RefundRequest:
    """A rejection, or a partial approval once its approved part is refunded,
    may be appealed once, within the appeal window: the request returns to
    the queue escalated, for a senior agent who did not decide it. On a
    partial approval what was paid stays paid: the appeal can only add."""
    policy = RefundPolicy.current()
    with transaction.atomic():
        locked = locked_request(request.pk)
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
            raise request_open(open_request)
        if not _claim_still_refundable(locked):
            raise ApplicationError(
                "not_refundable",
                _("Another request has refunded this money since; nothing is left to appeal for."),
            )
        already = locked.evidence.count()
        photos = photos_to_attach(customer, evidence_ids, lock=True)
        if already + len(photos) > MAX_PHOTOS:
            raise fields_error(
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
    *, request: RefundRequest, customer: User, rating: int, comment: str = ""
) -> Feedback:
    with transaction.atomic():
        locked = locked_request(request.pk)
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
