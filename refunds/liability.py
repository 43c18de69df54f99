"""Who bears an approved refund (SPEC 12): the merchant for the food and
for what it agreed to, the courier for lateness and for an order lost after
pickup (the platform paying first), the platform for its own failures and
for goodwill. One function, called by every path that approves: filing,
an agent's decision, the merchant's answer and its silence."""

from orders.states import OrderStatus

from .models import DecisionSource, Liability, Reason

# The food itself: the merchant's.
MERCHANT_REASONS = frozenset(
    {Reason.FOOD_QUALITY, Reason.MISSING_ITEMS, Reason.WRONG_ITEMS, Reason.DAMAGED}
)
# The platform's own failure: the order never accepted, cancelled or lost.
PLATFORM_RULES = frozenset({"R4", "R5"})
# Decisions that are the merchant's: its approval, and its silence.
MERCHANT_RULES = frozenset({"M1"})
# An order the courier had in hand.
AFTER_PICKUP = frozenset({OrderStatus.PICKED_UP, OrderStatus.DELIVERED})


def default_liability(*, reason: str, rule: str, source: str, order_status: str) -> str:
    """Who bears an approval, by its cause."""
    if rule in PLATFORM_RULES:
        return Liability.PLATFORM
    if source == DecisionSource.MERCHANT or rule in MERCHANT_RULES:
        return Liability.MERCHANT
    if reason in MERCHANT_REASONS:
        return Liability.MERCHANT
    if reason == Reason.LATE_DELIVERY:
        return Liability.COURIER
    if reason == Reason.NOT_DELIVERED and order_status in AFTER_PICKUP:
        return Liability.COURIER
    return Liability.PLATFORM  # goodwill: a change of mind, "other", not yet picked up
