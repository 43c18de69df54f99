"""Money arithmetic: Decimal amounts in CNY to the cent, and the
largest-remainder allocations of SPEC section 3.

Every allocation works in whole cents with exact fractions, so that shares
always add up to the total to the cent. Ties in the remainders go to the
earlier base.
"""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """A Decimal quantized to the cent, half-up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal) -> int:
    return int(to_money(value) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def money_sum(values: Sequence[Decimal]) -> Decimal:
    return to_money(sum(values, ZERO))


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` in proportion, to the cent.

    Each share is first floored; the cents still missing go one each to the
    largest remainders (ties: the earlier weight). With all weights zero the
    total must be zero.
    """
    total_cents = to_cents(total)
    weight_cents = [to_cents(w) for w in weights]
    if any(w < 0 for w in weight_cents) or total_cents < 0:
        raise ValueError("allocate() takes no negative amounts")
    weight_sum = sum(weight_cents)
    if weight_sum == 0:
        if total_cents:
            raise ValueError("cannot allocate a non-zero total over zero weights")
        return [ZERO for _ in weights]
    quotas = [Fraction(total_cents * w, weight_sum) for w in weight_cents]
    floors = [q.numerator // q.denominator for q in quotas]
    missing = total_cents - sum(floors)
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for index in by_remainder[:missing]:
        floors[index] += 1
    return [from_cents(c) for c in floors]


def discount_shares(gross_lines: Sequence[Decimal], discount_total: Decimal) -> list[Decimal]:
    """Each line's share of the order's discounts, in proportion to its gross
    (items in order, then delivery fee, then packaging fee)."""
    if to_money(discount_total) > money_sum(gross_lines):
        raise ValueError("discounts exceed the gross amount")
    return allocate(discount_total, gross_lines)


def line_refundables(gross_lines: Sequence[Decimal], discount_total: Decimal) -> list[Decimal]:
    """What each line can refund at most: its gross less its discount share.
    The results add up to the paid total exactly."""
    shares = discount_shares(gross_lines, discount_total)
    return [to_money(g) - s for g, s in zip(gross_lines, shares, strict=True)]


def part_of_line(
    *,
    line_refundable: Decimal,
    line_quantity: int,
    quantity: int,
    already_refunded_quantity: int,
    already_refunded_amount: Decimal,
) -> Decimal:
    """The refund for ``quantity`` more units of a line.

    ``line_refundable * q / n`` rounded half-up, except that the part taking
    the line's last units gets exactly what is left, so the parts always add
    up to the line's refundable amount.
    """
    remaining_quantity = line_quantity - already_refunded_quantity
    if quantity <= 0 or quantity > remaining_quantity:
        raise ValueError("quantity outside what is left of the line")
    remaining_amount = to_money(line_refundable) - to_money(already_refunded_amount)
    if quantity == remaining_quantity:
        return remaining_amount
    part = to_money(to_money(line_refundable) * quantity / line_quantity)
    return min(part, remaining_amount)


def split_over_tenders(
    amount: Decimal, paid: Sequence[Decimal], remaining: Sequence[Decimal]
) -> list[Decimal]:
    """Split a refund over the tenders in proportion to what each paid,
    never giving a tender more than its unrefunded remainder: what a capped
    tender cannot take is shared again over the others."""
    amount = to_money(amount)
    remaining = [to_money(r) for r in remaining]
    if amount < 0:
        raise ValueError("a refund is never negative")
    if amount > money_sum(remaining):
        raise ValueError("the refund exceeds what the tenders can take back")
    shares = [ZERO] * len(paid)
    open_tenders = list(range(len(paid)))
    left = amount
    while left > 0:
        weights = [to_money(paid[i]) for i in open_tenders]
        if sum(weights) == 0:
            weights = [remaining[i] for i in open_tenders]
        proposal = allocate(left, weights)
        # A share equal to the remainder fits; only one above it is capped and
        # its excess shared again, so an uncapped split stays proportional.
        capped = [i for i, p in zip(open_tenders, proposal, strict=True) if p > remaining[i]]
        if not capped:
            for i, p in zip(open_tenders, proposal, strict=True):
                shares[i] += p
            break
        for i in capped:
            shares[i] += remaining[i]
            left -= remaining[i]
        open_tenders = [i for i in open_tenders if i not in capped]
    return shares


def format_cny(amount: Decimal) -> str:
    """``¥12.50``: how every page shows money."""
    value = to_money(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"
