"""The auto-review policy of SPEC section 4, as pure functions.

``decide`` takes everything a rule looks at (a ``Situation``) and the policy
numbers, and returns the first rule that matches. It reads no database and no
clock, so that filing and preview share it, and the policy table can be
tested row by row.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from orders.states import OrderStatus
from refundportal.money import to_money

from .models import EVIDENCE_REASONS, Reason
from .sla import filing_closes_at
from .states import RefundStatus

# A decision's outcome: the status a request is created in, or refused
# (nothing is filed; the customer is told why).
REFUSED = "refused"
APPROVED = RefundStatus.APPROVED
REJECTED = RefundStatus.REJECTED
PENDING_REVIEW = RefundStatus.PENDING_REVIEW
Outcome = str


class PolicyNumbers(Protocol):
    grace_minutes: int
    filing_window_hours: int
    late_tolerance_minutes: int
    late_tier1_minutes: int
    late_tier1_percent: int
    late_tier2_minutes: int
    late_tier2_percent: int
    late_tier3_minutes: int
    late_tier3_percent: int
    auto_approve_limit: Decimal


@dataclass(frozen=True)
class Situation:
    now: datetime
    reason: str
    order_status: str
    promised_at: datetime
    delivered_at: datetime | None
    paid_total: Decimal
    requested_amount: Decimal
    nothing_left: bool = False
    quantity_over: bool = False
    has_photo: bool = False
    open_request: int | None = None  # the order's request under review
    late_compensated_by: int | None = None  # the order's granted or open lateness request
    risk_flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    rule: str
    amount: Decimal
    facts: dict[str, Any] = field(default_factory=dict)
    code: str = ""
    http_status: int = 0
    held_by_risk: bool = False

    @property
    def refused(self) -> bool:
        return self.outcome == REFUSED


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _iso(at: datetime) -> str:
    return at.isoformat()


def decide(s: Situation, p: PolicyNumbers) -> Decision:
    """The first rule of the policy table that matches ``s``."""
    delivered = s.order_status == OrderStatus.DELIVERED

    # R3: one open request per order. It comes first: a customer whose
    # request holds everything left is told a request is open, not that
    # nothing is left.
    if s.open_request is not None:
        return Decision(
            REFUSED,
            "R3",
            Decimal("0.00"),
            {"request": s.open_request},
            code="request_open",
            http_status=409,
        )

    # R9, once per order: lateness already granted (or being decided).
    if s.reason == Reason.LATE_DELIVERY and s.late_compensated_by is not None:
        return Decision(
            REFUSED,
            "R9",
            Decimal("0.00"),
            {"request": s.late_compensated_by},
            code="already_compensated",
            http_status=409,
        )

    # R1: nothing left to refund, or more units than are left.
    if s.nothing_left or s.quantity_over or s.requested_amount <= 0:
        return Decision(
            REFUSED,
            "R1",
            Decimal("0.00"),
            {"quantity_over": s.quantity_over},
            code="not_refundable",
            http_status=400,
        )

    # R2: the filing window, from delivery (or the promised time if never delivered).
    closes_at = filing_closes_at(
        order_status=s.order_status,
        delivered_at=s.delivered_at,
        promised_at=s.promised_at,
        window_hours=p.filing_window_hours,
    )
    if s.now > closes_at:
        return Decision(
            REFUSED,
            "R2",
            Decimal("0.00"),
            {"closed_at": _iso(closes_at), "window_hours": p.filing_window_hours},
            code="window_closed",
            http_status=400,
        )

    full = to_money(s.requested_amount)

    # R4, R5: the platform's own failure; never held back by risk.
    if s.order_status == OrderStatus.PLACED:
        return Decision(APPROVED, "R4", full)
    if s.order_status in (OrderStatus.CANCELLED, OrderStatus.DELIVERY_FAILED):
        return Decision(APPROVED, "R5", full, {"order_status": s.order_status})

    not_delivered_claim = s.reason == Reason.NOT_DELIVERED or (
        s.reason == Reason.LATE_DELIVERY and not delivered
    )
    if not_delivered_claim and not delivered:
        due = s.promised_at + timedelta(minutes=p.grace_minutes)
        late = _minutes(s.now - s.promised_at)
        if s.now > due:  # R6
            return Decision(APPROVED, "R6", full, {"minutes_late": late})
        return Decision(  # R7
            REFUSED,
            "R7",
            Decimal("0.00"),
            {"available_at": _iso(due), "grace_minutes": p.grace_minutes},
            code="too_early",
            http_status=400,
        )
    if s.reason == Reason.NOT_DELIVERED:  # R8: the delivery record says otherwise.
        return Decision(
            PENDING_REVIEW, "R8", full, {"delivered_at": _iso(s.delivered_at or s.promised_at)}
        )

    if s.reason == Reason.LATE_DELIVERY:  # R9
        assert s.delivered_at is not None
        late = max(_minutes(s.delivered_at - s.promised_at), 0)
        if late < p.late_tolerance_minutes:
            return Decision(
                REJECTED,
                "R9",
                Decimal("0.00"),
                {"minutes_late": late, "tolerance_minutes": p.late_tolerance_minutes},
            )
        percent = _late_percent(late, p)
        amount = min(to_money(s.paid_total * percent / 100), full)
        facts = {"minutes_late": late, "percent": percent, "proposed_amount": str(amount)}
        if amount <= 0:
            # A share that rounds to nothing (a few cents paid, or a tier set
            # to 0 %) refunds nothing: a rejection, not an approval of 0.00
            # that no payout would ever complete.
            return Decision(REJECTED, "R9", Decimal("0.00"), facts)
        return _unless_risky(Decision(APPROVED, "R9", amount, facts), s)

    if s.reason in EVIDENCE_REASONS:
        if not s.has_photo:  # R10
            return Decision(
                REFUSED, "R10", Decimal("0.00"), code="evidence_required", http_status=400
            )
        limit = to_money(p.auto_approve_limit)
        facts = {"limit": str(limit), "risk_flags": list(s.risk_flags)}
        if full <= limit:  # R11 (risk low: no flag, else held for review)
            return _unless_risky(Decision(APPROVED, "R11", full, facts), s)
        return Decision(PENDING_REVIEW, "R12", full, facts)  # R12

    if s.reason == Reason.CHANGED_MIND:
        if s.order_status == OrderStatus.ACCEPTED:  # R13
            return Decision(PENDING_REVIEW, "R13", full)
        return Decision(REJECTED, "R14", Decimal("0.00"), {"order_status": s.order_status})

    return Decision(PENDING_REVIEW, "R15", full)  # R15: other


def _late_percent(late: int, p: PolicyNumbers) -> int:
    if late >= p.late_tier3_minutes:
        return p.late_tier3_percent
    if late >= p.late_tier2_minutes:
        return p.late_tier2_percent
    if late >= p.late_tier1_minutes:
        return p.late_tier1_percent
    return 0


def _unless_risky(decision: Decision, s: Situation) -> Decision:
    """Any risk flag turns an automatic approval into a review."""
    if not s.risk_flags:
        return decision
    facts = {**decision.facts, "risk_flags": list(s.risk_flags)}
    return Decision(PENDING_REVIEW, decision.rule, decision.amount, facts, held_by_risk=True)


def _local(iso: str) -> str:
    at = datetime.fromisoformat(iso)
    return formats.date_format(timezone.localtime(at), "Y-m-d H:i")


def decision_message(rule: str, outcome: str, facts: dict[str, Any]) -> str:
    """The sentence a customer reads for an automatic decision, in the
    active language."""
    f = facts
    if outcome == RefundStatus.AWAITING_MERCHANT and rule in ("R12", "R13"):
        if f.get("merchant_due_at"):
            return _(
                "The merchant answers first, by %(due)s; without an answer by then the request "
                "is approved in full."
            ) % {"due": _local(f["merchant_due_at"])}
        return _("The merchant answers first.")
    if outcome == PENDING_REVIEW and f.get("risk_flags") and rule in ("R9", "R11"):
        return _("Your request meets the rule, but an agent checks it before the refund.")
    messages = {
        "R1": lambda: _("Nothing (or not that many units) is left to refund on this order."),
        "R2": lambda: (
            _(
                "Refunds can be requested up to %(hours)s h after delivery; "
                "the window for this order closed at %(closed)s."
            )
            % {"hours": f.get("window_hours"), "closed": _local(f["closed_at"])}
        ),
        "R3": lambda: (
            _("This order already has a request under review: #%(request)s.")
            % {"request": f.get("request")}
        ),
        "R4": lambda: _("The merchant had not accepted the order yet: refunded in full."),
        "R5": lambda: _("The order was cancelled or could not be delivered: refunded in full."),
        "R6": lambda: (
            _("Not delivered %(minutes)s min after the promised time: refunded in full.")
            % {"minutes": f.get("minutes_late")}
        ),
        "R7": lambda: (
            _("The order is not late enough yet: you can report it as not delivered from %(at)s.")
            % {"at": _local(f["available_at"])}
        ),
        "R8": lambda: _(
            "The delivery record says the order was delivered: an agent will check with the rider."
        ),
        "R10": lambda: _("Please add a photo that shows the problem."),
        "R11": lambda: (
            _("Photo received and the amount is within %(limit)s: approved at once.")
            % {"limit": f"¥{f.get('limit')}"}
        ),
        "R12": lambda: _("An agent will review your photos and decide."),
        "R13": lambda: _(
            "The merchant is already preparing the order: an agent will ask whether it can "
            "still be cancelled."
        ),
        "R14": lambda: _(
            "The rider already has the order: under the platform's policy a change of mind is "
            "not refunded once the food is on its way."
        ),
        "R15": lambda: _("An agent will review your request."),
        # Not filing rules: the merchant's silence (SPEC 12) and the
        # conversation's timeout (SPEC 11).
        "M1": lambda: _("The merchant did not answer in time: approved in full."),
        "C1": lambda: (
            _(
                "Customer service asked you for more and no answer came within %(hours)s h, "
                "so the request is rejected. You can appeal within %(days)s days."
            )
            % {"hours": f.get("hours"), "days": f.get("appeal_days")}
        ),
    }
    if rule == "R9":
        if outcome == "refused":
            return _(
                "Lateness on this order is compensated once, and request #%(request)s "
                "already covers it."
            ) % {"request": f.get("request")}
        if outcome == REJECTED and "percent" in f:
            return _(
                "Delivered %(minutes)s min late: %(percent)s %% of the amount paid rounds to "
                "nothing, so there is no refund."
            ) % {"minutes": f.get("minutes_late"), "percent": f.get("percent")}
        if outcome == REJECTED:
            return _(
                "Delivered %(minutes)s min late, within the %(tolerance)s min tolerance: "
                "no refund under the platform rule."
            ) % {"minutes": f.get("minutes_late"), "tolerance": f.get("tolerance_minutes")}
        return _(
            "Delivered %(minutes)s min late: %(percent)s %% refunded under the platform rule."
        ) % {
            "minutes": f.get("minutes_late"),
            "percent": f.get("percent"),
        }
    make = messages.get(rule)
    return make() if make else ""
