"""Property tests for the money module (SPEC 3): every allocation adds up to
the cent, never hands a line or a tender more than it may take, and rounds
the way the specification says."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from refundportal.money import (
    allocate,
    discount_shares,
    format_cny,
    line_refundables,
    part_of_line,
    split_over_tenders,
    to_money,
)

CENT = Decimal("0.01")


def cents_to_money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def amounts(min_cents: int = 0, max_cents: int = 10_000_000) -> st.SearchStrategy[Decimal]:
    return st.integers(min_cents, max_cents).map(cents_to_money)


weights_lists = st.lists(amounts(max_cents=1_000_000), min_size=1, max_size=12)


def exact_share_cents(total: Decimal, weights: list[Decimal], index: int) -> Fraction:
    """The exact, unrounded share of ``weights[index]`` in cents."""
    weight_sum = sum(weights)
    return Fraction(int(total * 100)) * Fraction(weights[index]) / Fraction(weight_sum)


# --- allocate -------------------------------------------------------------------


@given(data=st.data(), weights=weights_lists)
def test_allocate_shares_add_up_exactly_and_are_never_negative(data, weights):
    assume(sum(weights) > 0)
    total = data.draw(amounts(max_cents=int(sum(weights) * 300)))
    shares = allocate(total, weights)
    assert len(shares) == len(weights)
    assert sum(shares) == total
    assert all(share >= 0 for share in shares)
    assert all(share == share.quantize(CENT) for share in shares)


@given(data=st.data(), weights=weights_lists)
def test_allocate_never_gives_a_line_more_than_its_base_when_the_total_fits(data, weights):
    total = data.draw(amounts(max_cents=int(sum(weights) * 100)))
    shares = allocate(total, weights)
    assert all(share <= weight for share, weight in zip(shares, weights, strict=True))


@given(data=st.data(), weights=weights_lists)
def test_allocate_is_within_a_cent_of_the_exact_proportion(data, weights):
    assume(sum(weights) > 0)
    total = data.draw(amounts(max_cents=int(sum(weights) * 300)))
    shares = allocate(total, weights)
    for index, share in enumerate(shares):
        exact = exact_share_cents(total, weights, index)
        assert abs(Fraction(int(share * 100)) - exact) < 1


@given(data=st.data(), weights=weights_lists)
def test_allocate_gives_the_spare_cents_to_the_largest_remainders(data, weights):
    """Whoever got a cent above its floor has a remainder at least as large as
    whoever did not, and on a tie the earlier line wins."""
    assume(sum(weights) > 0)
    total = data.draw(amounts(max_cents=int(sum(weights) * 300)))
    shares = allocate(total, weights)
    exact = [exact_share_cents(total, weights, i) for i in range(len(weights))]
    remainders = [e - (e.numerator // e.denominator) for e in exact]
    rounded_up = [int(s * 100) > e.numerator // e.denominator for s, e in zip(shares, exact)]
    for up in (i for i, r in enumerate(rounded_up) if r):
        for down in (i for i, r in enumerate(rounded_up) if not r):
            assert remainders[up] >= remainders[down]
            if remainders[up] == remainders[down]:
                assert up < down


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        ("0.01", ["1.00", "1.00"], ["0.01", "0.00"]),
        ("0.02", ["1.00", "1.00", "1.00"], ["0.01", "0.01", "0.00"]),
        ("0.01", ["1.00", "3.00", "3.00"], ["0.00", "0.01", "0.00"]),
        ("10.00", ["30.00", "3.00", "1.00"], ["8.82", "0.88", "0.30"]),
        ("1.00", ["1.00", "1.00", "1.00"], ["0.34", "0.33", "0.33"]),
    ],
)
def test_allocate_breaks_ties_towards_the_earlier_line(total, weights, expected):
    shares = allocate(Decimal(total), [Decimal(w) for w in weights])
    assert shares == [Decimal(e) for e in expected]


def test_allocate_gives_nothing_to_a_zero_weight():
    assert allocate(Decimal("5.00"), [Decimal("0"), Decimal("2.00"), Decimal("0")]) == [
        Decimal("0.00"),
        Decimal("5.00"),
        Decimal("0.00"),
    ]


@given(weights=weights_lists, data=st.data())
def test_allocate_never_gives_a_zero_weight_anything(weights, data):
    zero_at = data.draw(st.integers(0, len(weights)))
    weights = [*weights[:zero_at], Decimal("0.00"), *weights[zero_at:]]
    assume(sum(weights) > 0)
    total = data.draw(amounts(max_cents=int(sum(weights) * 100)))
    assert allocate(total, weights)[zero_at] == 0


def test_allocate_of_zero_over_zero_weights_is_all_zero():
    assert allocate(Decimal("0"), [Decimal("0"), Decimal("0")]) == [Decimal("0.00")] * 2


def test_allocate_refuses_a_total_over_zero_weights():
    with pytest.raises(ValueError, match="zero weights"):
        allocate(Decimal("0.01"), [Decimal("0"), Decimal("0")])


@pytest.mark.parametrize(("total", "weights"), [("-0.01", ["1.00"]), ("1.00", ["2.00", "-1.00"])])
def test_allocate_refuses_negative_amounts(total, weights):
    with pytest.raises(ValueError, match="negative"):
        allocate(Decimal(total), [Decimal(w) for w in weights])


# --- discount shares and line refundables ---------------------------------------


def test_spec_example_items_delivery_packaging_and_a_coupon():
    """SPEC 3: items 3 x 10.00, delivery 3.00, packaging 1.00, coupon 10.00 ->
    each item 7.06, delivery 2.12, packaging 0.70; 24.00 in all."""
    gross = [Decimal("10.00")] * 3 + [Decimal("3.00"), Decimal("1.00")]
    refundable = line_refundables(gross, Decimal("10.00"))
    assert refundable == [Decimal(v) for v in ("7.06", "7.06", "7.06", "2.12", "0.70")]
    assert sum(refundable) == Decimal("24.00")
    assert discount_shares(gross, Decimal("10.00")) == [
        Decimal(v) for v in ("2.94", "2.94", "2.94", "0.88", "0.30")
    ]


@given(data=st.data(), gross=weights_lists)
@example(data=None, gross=[Decimal("10.00")] * 3 + [Decimal("3.00"), Decimal("1.00")])
def test_line_refundables_add_up_to_the_paid_total(data, gross):
    gross_total = sum(gross)
    if data is None:
        discount = Decimal("10.00")
    else:
        discount = data.draw(amounts(max_cents=int(gross_total * 100)))
    refundable = line_refundables(gross, discount)
    shares = discount_shares(gross, discount)
    assert sum(refundable) == gross_total - discount
    assert sum(shares) == discount
    for line_gross, share, line_refundable in zip(gross, shares, refundable, strict=True):
        assert 0 <= line_refundable <= line_gross
        assert line_refundable == line_gross - share


def test_line_refundables_without_discounts_are_the_gross_amounts():
    gross = [Decimal("12.50"), Decimal("0.00"), Decimal("3.00")]
    assert line_refundables(gross, Decimal("0")) == gross


def test_discounts_above_the_gross_amount_are_refused():
    with pytest.raises(ValueError, match="exceed"):
        discount_shares([Decimal("5.00"), Decimal("1.00")], Decimal("6.01"))


def test_a_discount_equal_to_the_gross_leaves_nothing_refundable():
    assert line_refundables([Decimal("5.00"), Decimal("1.00")], Decimal("6.00")) == [
        Decimal("0.00"),
        Decimal("0.00"),
    ]


# --- part of a line ---------------------------------------------------------------


def half_up(value: Fraction) -> Decimal:
    """The exact fraction rounded half-up to the cent (values are never negative)."""
    cents = value * 100
    floor = cents.numerator // cents.denominator
    if cents - floor >= Fraction(1, 2):
        floor += 1
    return cents_to_money(floor)


@st.composite
def partial_refunds(draw):
    """A line (refundable amount, n units) and a way of refunding all its
    units in several parts."""
    quantity = draw(st.integers(1, 50))
    refundable = draw(amounts(max_cents=5_000_000))
    parts = []
    left = quantity
    while left:
        part = draw(st.integers(1, left))
        parts.append(part)
        left -= part
    return refundable, quantity, parts


@given(partial_refunds())
@example((Decimal("21.18"), 3, [1, 1, 1]))
@example((Decimal("0.02"), 3, [1, 1, 1]))
@example((Decimal("0.05"), 2, [1, 1]))
def test_partial_refunds_of_a_line_add_up_to_its_refundable_amount(case):
    refundable, quantity, parts = case
    refunded_quantity = 0
    refunded_amount = Decimal("0.00")
    for part in parts:
        amount = part_of_line(
            line_refundable=refundable,
            line_quantity=quantity,
            quantity=part,
            already_refunded_quantity=refunded_quantity,
            already_refunded_amount=refunded_amount,
        )
        assert amount >= 0
        assert amount == amount.quantize(CENT)
        if refunded_quantity + part < quantity:
            expected = half_up(Fraction(refundable) * part / quantity)
            assert amount == min(expected, refundable - refunded_amount)
        refunded_quantity += part
        refunded_amount += amount
    assert refunded_amount == refundable


@pytest.mark.parametrize(
    ("refundable", "quantity", "part", "expected"),
    [
        ("21.18", 3, 1, "7.06"),
        ("21.18", 3, 2, "14.12"),
        ("10.00", 3, 1, "3.33"),
        ("10.00", 3, 2, "6.67"),
        ("0.05", 2, 1, "0.03"),
        ("0.01", 2, 1, "0.01"),
        ("7.07", 2, 1, "3.54"),
    ],
)
def test_part_of_a_line_rounds_half_up(refundable, quantity, part, expected):
    amount = part_of_line(
        line_refundable=Decimal(refundable),
        line_quantity=quantity,
        quantity=part,
        already_refunded_quantity=0,
        already_refunded_amount=Decimal("0"),
    )
    assert amount == Decimal(expected)


def test_the_last_units_of_a_line_get_exactly_what_is_left():
    amount = part_of_line(
        line_refundable=Decimal("10.00"),
        line_quantity=3,
        quantity=1,
        already_refunded_quantity=2,
        already_refunded_amount=Decimal("6.67"),
    )
    assert amount == Decimal("3.33")


@pytest.mark.parametrize(("part", "already"), [(0, 0), (-1, 0), (4, 0), (2, 2), (1, 3)])
def test_part_of_a_line_refuses_quantities_outside_what_is_left(part, already):
    with pytest.raises(ValueError, match="quantity"):
        part_of_line(
            line_refundable=Decimal("30.00"),
            line_quantity=3,
            quantity=part,
            already_refunded_quantity=already,
            already_refunded_amount=Decimal("10.00") * already,
        )


# --- split over tenders ---------------------------------------------------------


@st.composite
def tender_splits(draw):
    """Tenders (what each paid, what is still unrefunded) and an amount that
    fits in what is left."""
    paid = draw(st.lists(amounts(min_cents=1, max_cents=1_000_000), min_size=1, max_size=5))
    remaining = [draw(amounts(max_cents=int(p * 100))) for p in paid]
    amount = draw(amounts(max_cents=int(sum(remaining) * 100)))
    return amount, paid, remaining


@given(tender_splits())
@example((Decimal("10.00"), [Decimal("6.00"), Decimal("4.00")], [Decimal("1.00"), Decimal("4.00")]))
def test_split_over_tenders_adds_up_and_never_exceeds_a_tender_remainder(case):
    amount, paid, remaining = case
    assume(sum(remaining) >= amount)
    shares = split_over_tenders(amount, paid, remaining)
    assert sum(shares) == amount
    for share, left in zip(shares, remaining, strict=True):
        assert Decimal("0") <= share <= left
        assert share == share.quantize(CENT)


@st.composite
def uncapped_tender_splits(draw):
    """Tenders whose remainders all hold their proportional share; some hold
    exactly that share, or nothing when their share is nothing."""
    paid = draw(st.lists(amounts(min_cents=1, max_cents=1_000_000), min_size=1, max_size=5))
    amount = draw(amounts(max_cents=int(sum(paid) * 100)))
    proportional = allocate(amount, paid)
    remaining = [
        draw(st.sampled_from([share, paid_here, cents_to_money(int((share + paid_here) * 50))]))
        for share, paid_here in zip(proportional, paid, strict=True)
    ]
    return amount, paid, remaining


@given(st.one_of(tender_splits(), uncapped_tender_splits()))
@example(
    (
        Decimal("4.70"),
        [Decimal(v) for v in ("1.19", "3.47", "1.13")],
        [Decimal(v) for v in ("1.19", "3.47", "0.92")],
    )
)
@example(
    (
        Decimal("0.46"),
        [Decimal(v) for v in ("3.52", "0.20", "0.03")],
        [Decimal(v) for v in ("3.52", "0.20", "0.00")],
    )
)
def test_split_over_tenders_is_proportional_to_what_each_paid_when_nothing_caps(case):
    """A tender whose proportional share is exactly its remainder, or whose
    remainder and share are both nothing, caps nothing."""
    amount, paid, remaining = case
    proportional = allocate(amount, paid)
    assume(all(p <= r for p, r in zip(proportional, remaining, strict=True)))
    assert split_over_tenders(amount, paid, remaining) == proportional


def test_split_over_tenders_of_a_full_refund_returns_what_each_paid():
    paid = [Decimal("20.00"), Decimal("4.00")]
    assert split_over_tenders(Decimal("24.00"), paid, paid) == paid


def test_split_over_tenders_moves_what_a_spent_tender_cannot_take_to_the_others():
    paid = [Decimal("20.00"), Decimal("4.00")]
    remaining = [Decimal("20.00"), Decimal("0.00")]
    assert split_over_tenders(Decimal("12.00"), paid, remaining) == [
        Decimal("12.00"),
        Decimal("0.00"),
    ]


def test_split_over_tenders_refuses_more_than_the_tenders_can_take_back():
    with pytest.raises(ValueError, match="exceeds"):
        split_over_tenders(Decimal("5.01"), [Decimal("5.00")], [Decimal("5.00")])


def test_split_over_tenders_refuses_a_negative_refund():
    with pytest.raises(ValueError, match="negative"):
        split_over_tenders(Decimal("-1.00"), [Decimal("5.00")], [Decimal("5.00")])


# --- formatting -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("12.5", "¥12.50"),
        ("12.50", "¥12.50"),
        ("0", "¥0.00"),
        ("0.005", "¥0.01"),
        ("12.345", "¥12.35"),
        ("1234567.8", "¥1,234,567.80"),
        ("-3", "-¥3.00"),
    ],
)
def test_format_cny_shows_yuan_with_two_places(amount, shown):
    assert format_cny(Decimal(amount)) == shown


@given(amounts(max_cents=10**11))
def test_format_cny_round_trips_to_the_same_amount(amount):
    shown = format_cny(amount)
    assert shown.startswith("¥")
    assert Decimal(shown[1:].replace(",", "")) == to_money(amount)


def test_to_money_rounds_half_up():
    assert to_money(Decimal("2.675")) == Decimal("2.68")
    assert to_money(Decimal("2.665")) == Decimal("2.67")
    assert to_money("0.004") == Decimal("0.00")
