"""The conversation of a request (SPEC 11): messages between the customer
and the platform's people; an agent asking the customer, which stops the
review clock until the answer comes; the rejection when none comes in
time; and the customer's nudge (催办)."""

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts import roles
from accounts.users import User
from notifications.services import notify, notify_role
from orders.selectors import merchant_ids_of
from refundportal import clock, sentences
from refundportal.api import ApplicationError, Conflict

from .. import presenters, sla, states
from ..assessment import fields_error
from ..models import DecisionSource, Evidence, Message, RefundPolicy, RefundRequest
from ..selectors import customer_reply_overdue
from ..states import SETTLED, RefundStatus
from .common import locked_request, notify_merchant, notify_status
from .filing import MAX_PHOTOS, photos_to_attach
from .notes import refund_note
from .review import check_reviewer, claim_is_live

MESSAGE_MAX_LENGTH = 2000
# The rule a rejection for want of the customer's answer records.
NO_REPLY_RULE = "C1"
# Requests the customer may hurry: those someone else has to act on.
NUDGEABLE = frozenset({RefundStatus.PENDING_REVIEW, RefundStatus.AWAITING_MERCHANT})


def _body(text: str) -> str:
    body = (text or "").strip()
    if not body:
        raise fields_error("body", _("Write a message."))
    if len(body) > MESSAGE_MAX_LENGTH:
        raise fields_error(
            "body", _("A message has at most %(n)s characters.") % {"n": MESSAGE_MAX_LENGTH}
        )
    return body


def _author_role(author: User, *, from_customer: bool, from_merchant: bool) -> str:
    if from_customer:
        return roles.CUSTOMER
    if from_merchant:
        return roles.MERCHANT
    return roles.primary_role(author) or ""


def _staff_side(refund: RefundRequest) -> User | None:
    """The person on the platform's side of a request's conversation: who
    holds it, else who decided it."""
    return refund.assignee or refund.decided_by


def _tell_staff(refund: RefundRequest, event: str, facts: dict[str, Any]) -> None:
    """Notify the request's agent, else the senior agents."""
    person = _staff_side(refund)
    link = f"/review/{refund.pk}/"
    if person is not None and person.is_active:
        notify(user=person, event=event, facts=facts, link=link)
    else:
        notify_role(role=roles.SENIOR_AGENT, event=event, facts=facts, link=link)


def refund_message_post(
    *,
    refund: RefundRequest,
    author: User,
    body: str,
    evidence_ids: Sequence[int] = (),
    awaiting_customer: bool = False,
) -> Message:
    """A message on the request's conversation, by its customer or by
    staff. An agent's message with ``awaiting_customer`` asks the customer
    for something and makes the request wait for the answer; the
    customer's message answers it."""
    text = _body(body)
    from_customer = author.pk == refund.customer_id
    from_merchant = not from_customer and refund.order.merchant_id in merchant_ids_of(author)
    if not (from_customer or from_merchant or roles.is_staff_role(author)):
        raise PermissionDenied
    if awaiting_customer and (from_customer or not roles.has_role(author, *roles.REVIEW_ROLES)):
        raise fields_error(
            "awaiting_customer", _("Only customer service can ask the customer and wait.")
        )
    now = clock.now()
    with transaction.atomic():
        locked = locked_request(refund.pk)
        if locked.status in SETTLED:
            raise Conflict(
                _("This request is closed; it takes no more messages.")
                if locked.status != RefundStatus.REJECTED
                else _("This request is closed; a rejection can be appealed instead.")
            )
        photos = photos_to_attach(author, evidence_ids, lock=True)
        if photos and locked.evidence.count() + len(photos) > MAX_PHOTOS:
            raise fields_error(
                "evidence", _("At most %(n)s photos per request.") % {"n": MAX_PHOTOS}
            )
        if awaiting_customer:
            _start_waiting(locked, author, now)
        message = Message.objects.create(
            request=locked,
            at=now,
            author=author,
            author_role=_author_role(
                author, from_customer=from_customer, from_merchant=from_merchant
            ),
            body=text,
            asks_customer=awaiting_customer,
        )
        if photos:
            Evidence.objects.filter(pk__in=[p.pk for p in photos]).update(
                request=locked, message=message
            )
        facts: dict[str, Any] = {
            "request": presenters.request_facts(locked),
            "note": sentences.typed(text),
        }
        if from_customer:
            answered = locked.status == RefundStatus.AWAITING_CUSTOMER
            if answered:
                _stop_waiting(locked, author, now)
            event = "refund_customer_answered" if answered else "refund_customer_message"
            if locked.status == RefundStatus.AWAITING_MERCHANT:
                notify_merchant(locked, event, {"note": facts["note"]})
            else:
                _tell_staff(locked, event, facts)
        else:
            if awaiting_customer and locked.customer_reply_due_at:
                facts["reply_due_at"] = locked.customer_reply_due_at.isoformat()
            notify(
                user=locked.customer,
                event="refund_waiting_customer"
                if awaiting_customer
                else "refund_merchant_message"
                if from_merchant
                else "refund_message",
                facts=facts,
                link=f"/refunds/{locked.pk}/",
            )
    return message


def _start_waiting(refund: RefundRequest, agent: User, now: datetime) -> None:
    """Move a request under review to wait for its customer; the claim stays
    with the agent who asked, for as long as the wait."""
    if refund.status != RefundStatus.PENDING_REVIEW:
        raise Conflict(_("Only a request under review can wait for the customer."))
    check_reviewer(refund, agent)
    if claim_is_live(refund, now) and refund.assignee_id != agent.pk:
        raise Conflict(_("Another agent holds this request; wait or ask them."))
    hours = RefundPolicy.current().customer_reply_hours
    due = now + timedelta(hours=hours)
    states.move(
        refund,
        RefundStatus.AWAITING_CUSTOMER,
        at=now,
        actor=agent,
        actor_role=roles.primary_role(agent) or roles.AGENT,
        message=presenters.ASKED_CUSTOMER,
        facts={"reply_due_at": due.isoformat()},
        changes={
            "awaiting_since": now,
            "customer_reply_due_at": due,
            "assignee": agent,
            "claim_expires_at": due,
        },
    )


def _stop_waiting(refund: RefundRequest, customer: User, now: datetime) -> None:
    """The customer answered: back to review, the review clock pushed back
    by the time waited, the claim renewed for the agent who asked."""
    waited = sla.customer_waited(refund, now) - refund.customer_wait
    states.move(
        refund,
        RefundStatus.PENDING_REVIEW,
        at=now,
        actor=customer,
        actor_role=roles.CUSTOMER,
        message=presenters.CUSTOMER_ANSWERED,
        changes={
            "awaiting_since": None,
            "customer_reply_due_at": None,
            "customer_wait": refund.customer_wait + waited,
            "review_due_at": refund.review_due_at + waited,
            "claim_expires_at": now + timedelta(minutes=sla.claim_minutes())
            if refund.assignee_id
            else None,
        },
    )


def refund_customer_timeouts(at: datetime) -> dict[str, int]:
    """The periodic job: reject every request whose customer has not
    answered by the due time, with a sentence saying why; the customer may
    appeal it. A customer's answer racing this job: the row lock orders
    them, and whichever comes second finds the status moved."""
    rejected = 0
    policy = RefundPolicy.current()
    for pk in customer_reply_overdue(at).values_list("pk", flat=True):
        with transaction.atomic():
            locked = locked_request(pk)
            due = locked.customer_reply_due_at
            if locked.status != RefundStatus.AWAITING_CUSTOMER or due is None or due > at:
                continue
            hours = policy.customer_reply_hours
            facts = {"hours": hours, "appeal_days": policy.appeal_days}
            states.move(
                locked,
                RefundStatus.REJECTED,
                at=at,
                actor_role=roles.SYSTEM,
                rule=NO_REPLY_RULE,
                facts=facts,
                changes={
                    "awaiting_since": None,
                    "customer_reply_due_at": None,
                    "customer_wait": sla.customer_waited(locked, at),
                    "claim_expires_at": None,
                    "decision_source": DecisionSource.AUTO,
                    "decision_rule": NO_REPLY_RULE,
                    "decision_note": "",
                    "decision_facts": facts,
                    "decided_at": at,
                    "decided_by": None,
                },
            )
            notify_status(
                locked, presenters.auto_decision(NO_REPLY_RULE, RefundStatus.REJECTED, facts)
            )
            rejected += 1
    return {"rejected": rejected}


def next_nudge_at(refund: RefundRequest) -> datetime | None:
    """When the customer may hurry the request again: the policy's interval
    after the last nudge (None before the first)."""
    if refund.nudged_at is None:
        return None
    return refund.nudged_at + timedelta(minutes=RefundPolicy.current().nudge_interval_minutes)


def refund_nudge(*, refund: RefundRequest, customer: User) -> RefundRequest:
    """The customer hurries a request someone else has to act on, at most
    once per the policy's interval (else 429 ``throttled`` with
    ``retry_after``): it moves up the queue after the escalated ones, and
    whoever holds it (else the senior agents) is told."""
    now = clock.now()
    with transaction.atomic():
        locked = locked_request(refund.pk)
        if locked.status not in NUDGEABLE:
            raise Conflict(_("Only a request waiting for a decision can be hurried."))
        again = next_nudge_at(locked)
        if again is not None and now < again:
            raise ApplicationError(
                "throttled",
                _("You hurried this request recently; you can again from %(time)s.")
                % {"time": presenters.local_time(again)},
                429,
                extra={"retry_after": math.ceil((again - now).total_seconds())},
            )
        RefundRequest.objects.filter(pk=locked.pk).update(
            nudge_count=F("nudge_count") + 1, nudged_at=now, updated_at=now
        )
        locked.refresh_from_db(fields=["nudge_count", "nudged_at", "updated_at"])
        count = locked.nudge_count
        refund_note(
            refund=locked, actor=customer, at=now, message=presenters.NUDGED, facts={"count": count}
        )
        facts = {"request": presenters.request_facts(locked), "count": count}
        link = f"/review/{locked.pk}/"
        if locked.status == RefundStatus.AWAITING_MERCHANT:
            notify_merchant(locked, "refund_nudged", {"count": count})
        elif claim_is_live(locked, now) and locked.assignee is not None:
            notify(user=locked.assignee, event="refund_nudged", facts=facts, link=link)
        else:
            notify_role(role=roles.SENIOR_AGENT, event="refund_nudged", facts=facts, link=link)
    return locked
