"""The arithmetic of a filing, pure: which lines a request takes and what
each is worth (the breakdown), and what auto-review looks at (the
situation). It reads no database and no clock; ``services.filing`` reads
what it needs and hands it here, and the policy decides."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from orders.models import Order
from orders.selectors import OrderRefundable
from refundportal.api import ApplicationError
from refundportal.money import allocate, part_of_line, to_money

from .models import Evidence
from .policy import Decision, Situation, decision_message
from .risk import Risk
from .states import RefundStatus


@dataclass(frozen=True)
class BreakdownLine:
    """One line a request takes: an item (some of its units) or a fee."""

    line: str
    name: str
    quantity: int
    gross: Decimal
    discount_share: Decimal
    amount: Decimal
    item_id: int | None = None


@dataclass(frozen=True)
class Assessment:
    """What filing would store, and what preview shows: the lines, their
    sum, the risk and the policy's decision."""

    order: Order
    breakdown: list[BreakdownLine]
    amount: Decimal
    risk: Risk
    decision: Decision
    photos: list[Evidence]
    # No request was filed on the order before: no payout has taken anything
    # from its tenders yet.
    first_on_order: bool = False

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


def fields_error(field: str, message: str) -> ApplicationError:
    """A 400 ``validation_error`` naming one input field."""
    return ApplicationError(
        "validation_error",
        _("Invalid input: %(error)s") % {"error": f"{field}: {message}"},
        fields={field: [message]},
    )


def breakdown_of(
    refundable: OrderRefundable, items: Sequence[dict[str, Any]]
) -> tuple[list[BreakdownLine], bool]:
    """The lines a request refunds and their amounts; and whether it asks
    for more units than are left (policy rule R1). No ``items`` means the
    whole order: every line with money left."""
    if not items:
        return _whole_order(refundable), False

    lines = []
    seen: set[str] = set()
    for index, wanted in enumerate(items):
        key = str(wanted["item"])
        line = refundable.line(key)
        if line is None or line.item is None:
            raise fields_error(
                "items", _("Item %(item)s is not on this order.") % {"item": wanted["item"]}
            )
        if key in seen:
            raise fields_error(
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


def _whole_order(refundable: OrderRefundable) -> list[BreakdownLine]:
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
    return lines


def situation_of(
    *,
    now: datetime,
    reason: str,
    order: Order,
    amount: Decimal,
    refundable: OrderRefundable,
    quantity_over: bool,
    photos: Sequence[Evidence],
    open_request: int | None,
    late_compensated_by: int | None,
    risk: Risk,
) -> Situation:
    """Everything a rule of the policy looks at, for one filing."""
    return Situation(
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
        open_request=open_request,
        late_compensated_by=late_compensated_by,
        risk_flags=risk.flags,
    )
