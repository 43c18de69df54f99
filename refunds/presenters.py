"""How a request's words are shown: the decision sentence and the timeline
notes, in the reader's language, from what was stored (a rule and its
numbers, a system sentence's id and facts, or what a person typed). One
place, read by the API, the customer's pages and the staff pages alike.

The system sentences of the refund flow are registered here
(``register_sentences``, called when the app loads), so that notifications,
which never import refunds, render them too.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from orders.models import Order
from orders.selectors import line_label
from payouts.models import Payout
from refundportal import sentences

from .assessment import Assessment, BreakdownLine
from .models import DecisionSource, Evidence, RefundItem, RefundRequest, TimelineEvent
from .policy import decision_message
from .selectors import has_appeal, has_feedback
from .states import RefundStatus

# Ids of the system sentences a request's timeline and notifications hold.
DECISION = "refund.decision"  # facts: rule, outcome, facts (what the rule saw)
CANCELLED_BY_CUSTOMER = "refund.cancelled_by_customer"
PAYOUTS_SUCCEEDED = "refund.payouts_succeeded"
PAYOUT_FAILED = "refund.payout_failed"
ESCALATED = "refund.escalated"  # facts: percent
PAYOUT_REROUTED = "payout.rerouted"  # facts: amount, note (finance's words); staff only
PAID_TO_BALANCE = "payout.paid_to_balance"  # facts: amount; what the customer reads
ASKED_CUSTOMER = "refund.asked_customer"  # facts: reply_due_at
CUSTOMER_ANSWERED = "refund.customer_answered"
NUDGED = "refund.nudged"  # facts: count
MERCHANT_SILENT_HELD = "refund.merchant_silent_held"


def local_time(at: datetime) -> str:
    """A time as people here read it: China Standard Time, to the minute."""
    return formats.date_format(timezone.localtime(at), "Y-m-d H:i")


def _decision(facts: Mapping[str, Any]) -> str:
    return decision_message(
        str(facts.get("rule", "")), str(facts.get("outcome", "")), dict(facts.get("facts") or {})
    )


def _rerouted(facts: Mapping[str, Any]) -> str:
    return _("Payout of %(amount)s rerouted to the platform balance: %(note)s") % {
        "amount": f"¥{facts.get('amount')}",
        "note": facts.get("note", ""),
    }


def register_sentences() -> None:
    sentences.register(DECISION, _decision)
    sentences.register(CANCELLED_BY_CUSTOMER, lambda facts: _("Cancelled by the customer."))
    sentences.register(
        PAYOUTS_SUCCEEDED, lambda facts: _("Every payout succeeded: the money is on its way back.")
    )
    sentences.register(PAYOUT_FAILED, lambda facts: _("A payout failed; finance has been alerted."))
    sentences.register(
        ESCALATED,
        lambda facts: (
            _("Escalated: %(percent)s %% of the review time has passed.")
            % {"percent": facts.get("percent", 80)}
        ),
    )
    sentences.register(PAYOUT_REROUTED, _rerouted)
    sentences.register(
        ASKED_CUSTOMER,
        lambda facts: (
            _("Customer service asked for more information; an answer is due by %(time)s.")
            % {"time": local_time(datetime.fromisoformat(facts["reply_due_at"]))}
            if facts.get("reply_due_at")
            else _("Customer service asked for more information.")
        ),
    )
    sentences.register(
        MERCHANT_SILENT_HELD,
        lambda facts: _("The merchant did not answer in time; an agent decides the request."),
    )
    sentences.register(
        CUSTOMER_ANSWERED, lambda facts: _("The customer answered; the review goes on.")
    )
    sentences.register(
        NUDGED,
        lambda facts: (
            _("The customer asked for a faster answer (nudge %(count)s).")
            % {"count": facts.get("count", 1)}
        ),
    )
    sentences.register(
        PAID_TO_BALANCE,
        lambda facts: (
            _(
                "%(amount)s could not go back the way you paid; it is paid to your platform "
                "balance instead."
            )
            % {"amount": f"¥{facts.get('amount')}"}
        ),
    )


def request_facts(refund: RefundRequest) -> dict[str, Any]:
    """What a notification about ``refund`` keeps of it (JSON), as it stood."""
    return {
        "id": refund.pk,
        "number": refund.order.number,
        "requested_amount": str(refund.requested_amount),
        "approved_amount": None if refund.approved_amount is None else str(refund.approved_amount),
        "review_due_at": refund.review_due_at.isoformat() if refund.review_due_at else None,
    }


def auto_decision(rule: str, outcome: str, facts: Mapping[str, Any]) -> dict[str, Any]:
    """An automatic decision's sentence, stored."""
    return sentences.sentence(DECISION, rule=rule, outcome=outcome, facts=dict(facts))


@dataclass(frozen=True)
class RefundView:
    """A request with everything any reader is shown of it, in hand: its
    lines, photos, timeline and payouts, and whether it was appealed or
    rated. Built from a request read with ``refund_queryset_for`` (``of``),
    or from the rows a filing has just written (``services.filing.Filed``),
    so that a filing answers without reading itself back."""

    request: RefundRequest
    items: Sequence[RefundItem]
    photos: Sequence[Evidence]
    timeline: Sequence[TimelineEvent]
    payouts: Sequence[Payout]
    appealed: bool
    rated: bool

    @classmethod
    def of(cls, refund: RefundRequest) -> "RefundView":
        return cls(
            request=refund,
            items=list(refund.items.all()),
            photos=list(refund.evidence.all()),
            timeline=list(refund.timeline.all()),
            payouts=sorted(refund.payouts.all(), key=lambda payout: payout.pk),
            appealed=has_appeal(refund),
            rated=has_feedback(refund),
        )

    # The request's own fields, as the API names them.
    @property
    def id(self) -> int:
        return self.request.pk

    @property
    def order(self) -> Order:
        return self.request.order

    @property
    def reason(self) -> str:
        return self.request.reason

    @property
    def description(self) -> str:
        return self.request.description

    @property
    def status(self) -> str:
        return self.request.status

    @property
    def requested_amount(self) -> Decimal:
        return self.request.requested_amount

    @property
    def approved_amount(self) -> Decimal | None:
        return self.request.approved_amount

    @property
    def created_at(self) -> datetime:
        return self.request.created_at

    @property
    def liability(self) -> str:
        return self.request.liability

    @property
    def evidence(self) -> Sequence[Evidence]:
        return self.photos


def view_of(refund: RefundRequest | RefundView) -> RefundView:
    return refund if isinstance(refund, RefundView) else RefundView.of(refund)


@dataclass(frozen=True)
class BreakdownRow:
    """One line of a request as every reader sees it: what it asks and,
    once a decision approves an amount, its share of it."""

    line: str  # the item's id, or delivery_fee / packaging_fee
    name: str  # in the reader's language
    quantity: int
    gross: Decimal
    discount_share: Decimal
    amount: Decimal
    approved: Decimal | None

    def as_api(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "line": self.line,
            "name": self.name,
            "quantity": self.quantity,
            "gross": str(self.gross),
            "discount_share": str(self.discount_share),
            "amount": str(self.amount),
        }
        if self.approved is not None:
            row["approved"] = str(self.approved)
        return row


def breakdown_rows(refund: RefundRequest | RefundView) -> list[BreakdownRow]:
    """A stored request's lines (the API, the customer's and staff pages)."""
    view = view_of(refund)
    decided = view.approved_amount is not None
    return [_row(row, row.approved_amount if decided else None) for row in view.items]


def assessed_rows(assessment: Assessment) -> list[BreakdownRow]:
    """The lines a filing would store (the preview), as ``breakdown_rows``
    shows them once stored."""
    shares = assessment.approved_shares
    return [_row(line, share) for line, share in zip(assessment.breakdown, shares, strict=True)]


def _row(line: RefundItem | BreakdownLine, approved: Decimal | None) -> BreakdownRow:
    return BreakdownRow(
        line=line.line,
        name=line_label(line.line, line.name),
        quantity=line.quantity,
        gross=line.gross,
        discount_share=line.discount_share,
        amount=line.amount,
        approved=approved,
    )


# Who moved a request, as the customer is told: staff are one service.
ACTOR_LABELS = {
    roles.SYSTEM: gettext_lazy("System"),
    roles.CUSTOMER: gettext_lazy("You"),
    roles.AGENT: gettext_lazy("Customer service"),
    roles.SENIOR_AGENT: gettext_lazy("Customer service"),
    roles.MANAGER: gettext_lazy("Customer service"),
    roles.FINANCE: gettext_lazy("Finance"),
    roles.MERCHANT: gettext_lazy("Merchant"),
}


def status_label(status: str) -> str:
    """A request status in the reader's language."""
    return str(RefundStatus(status).label) if status in RefundStatus.values else status


# A status as the customer reads it where staff's name for it would not
# tell them what to do: a request waiting for the customer asks for them.
CUSTOMER_STATUS_LABELS: dict[str, Any] = {
    RefundStatus.AWAITING_CUSTOMER: gettext_lazy("Needs your answer"),
}


def customer_status_label(status: str) -> str:
    """A request status as its customer is told."""
    label = CUSTOMER_STATUS_LABELS.get(status)
    return str(label) if label is not None else status_label(status)


def message_author_label(author_role: str) -> str:
    """Who wrote a message of the conversation, as the customer is told:
    "You", or the platform's people as one customer service."""
    return str(ACTOR_LABELS.get(author_role) or ACTOR_LABELS[roles.AGENT])


@dataclass(frozen=True)
class TimelineStep:
    """One step of a request's timeline as every reader sees it."""

    at: datetime
    from_status: str
    to_status: str
    actor_role: str
    actor_name: str  # the person's user name; "" for the system
    rule: str  # the policy rule of an automatic decision
    note: str  # in the reader's language
    internal: bool  # staff only

    @property
    def from_label(self) -> str:
        return status_label(self.from_status) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return status_label(self.to_status)

    @property
    def actor_label(self) -> str:
        """Who took the step, as the customer is told."""
        if self.rule and self.actor_role == roles.SYSTEM:
            return _("Automatic review")
        return str(ACTOR_LABELS.get(self.actor_role, ""))

    def as_api(self, *, staff: bool) -> dict[str, Any]:
        step: dict[str, Any] = {
            "at": timezone.localtime(self.at).isoformat(),
            "from_status": self.from_status or None,
            "to_status": self.to_status,
            "actor_role": self.actor_role,
            "note": self.note,
        }
        if staff:
            step["internal"] = self.internal
        return step


def timeline_steps(refund: RefundRequest | RefundView, *, staff: bool) -> list[TimelineStep]:
    """The request's timeline, oldest first; a customer never sees the
    internal staff notes. Filtered here, not in the query: the timeline is
    read with the request for every reader alike."""
    return [
        TimelineStep(
            at=event.at,
            from_status=event.from_status,
            to_status=event.to_status,
            actor_role=event.actor_role,
            actor_name=event.actor.get_username() if event.actor_id and event.actor else "",
            rule=event.rule,
            note=timeline_note(event),
            internal=event.internal,
        )
        for event in view_of(refund).timeline
        if staff or not event.internal
    ]


def timeline_note(event: TimelineEvent) -> str:
    """A timeline step's note: a system sentence, an automatic decision (its
    rule and numbers), or a person's words as written."""
    if event.message:
        return sentences.render({"id": event.message, "facts": event.facts})
    if event.rule:
        return decision_message(event.rule, event.to_status, event.facts)
    return event.note


def decision_note(shown: RefundRequest | RefundView) -> str:
    """The sentence that explains the request's decision."""
    view = view_of(shown)
    refund = view.request
    if not refund.decision_source:
        return ""
    if refund.decision_source != DecisionSource.AUTO:
        return refund.decision_note
    # The outcome the rule reached when it decided (the first step): an
    # appealed rejection is under review again, but was still a rejection.
    first = next(iter(view.timeline), None)
    outcome = first.to_status if first is not None else refund.status
    return decision_message(refund.decision_rule, outcome, refund.decision_facts)
