"""The money of a refund (SPEC section 3): the breakdown, parts of a line,
what a rejected or cancelled request gives back, the paid total as a
ceiling, and the split of an approval over the tenders.

Orders still ``placed`` are refunded at once (rule 4), which makes each
request's amount the approved one.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payouts.models import Payout
from refundportal.api import ApplicationError
from refundportal.money import line_refundables, part_of_line
from refunds import services
from refunds.models import RefundRequest
from refunds.selectors import order_refundable_now
from tests.conftest import client_as
from tests.factories import ItemFactory, UserFactory, create_order

from .support import (
    delivered_order,
    english,
    file_refund,
    old_customer,
    refund_url,
    underway_order,
)

pytestmark = pytest.mark.django_db

D = Decimal
# The property tests below share the frozen clock (``now``) over their examples:
# the checks the profile suppresses, plus the one about function-scoped fixtures.
WITH_THE_CLOCK_FIXTURE = [
    *settings.default.suppress_health_check,
    HealthCheck.function_scoped_fixture,
]


def filed(client: Any, order: Any, **fields: Any) -> dict[str, Any]:
    response = file_refund(client, order, **fields)
    assert response.status_code == 201, response.content
    return response.json()


def order_body(client: Any, order: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/orders/{order.number}/")
    assert response.status_code == 200
    return response.json()


def amounts(breakdown: list[dict[str, Any]]) -> Decimal:
    return sum((D(line["amount"]) for line in breakdown), D("0.00"))


def unit(order: Any, quantity: int = 1) -> list[dict[str, int]]:
    return [{"item": order.items.get().pk, "quantity": quantity}]


# --- The breakdown ---------------------------------------------------------------


def test_a_whole_order_refund_explains_every_line(now):
    customer = UserFactory(role="customer")
    order = underway_order(customer, now, status="placed")
    item = order.items.get()

    body = filed(english(client_as(customer)), order, reason="other")

    assert body["requested_amount"] == body["approved_amount"] == "24.00"
    assert body["breakdown"] == [
        {
            "line": str(item.pk),
            "name": item.name,
            "quantity": 3,
            "gross": "30.00",
            "discount_share": "8.82",
            "amount": "21.18",
            "approved": "21.18",
        },
        {
            "line": "delivery_fee",
            "name": "Delivery fee",
            "quantity": 1,
            "gross": "3.00",
            "discount_share": "0.88",
            "amount": "2.12",
            "approved": "2.12",
        },
        {
            "line": "packaging_fee",
            "name": "Packaging fee",
            "quantity": 1,
            "gross": "1.00",
            "discount_share": "0.30",
            "amount": "0.70",
            "approved": "0.70",
        },
    ]
    for line in body["breakdown"]:
        assert D(line["gross"]) - D(line["discount_share"]) == D(line["amount"])
    assert amounts(body["breakdown"]) == D(body["requested_amount"])


def approved_total(breakdown: list[dict[str, Any]]) -> Decimal:
    return sum((D(line["approved"]) for line in breakdown), D("0.00"))


def test_a_late_refund_spreads_its_share_over_the_rows(now):
    # 45 min late: 50 % of 24.00. The rows ask 24.00 and are refunded 12.00.
    customer = old_customer()
    order = delivered_order(customer, now, late=timedelta(minutes=45))
    client = client_as(customer)

    preview = client.post(
        "/api/v1/refunds/preview/",
        {"order": order.number, "reason": "late_delivery"},
        format="json",
    ).json()
    body = filed(client, order, reason="late_delivery")

    assert body["approved_amount"] == "12.00"
    assert amounts(body["breakdown"]) == D("24.00")
    assert approved_total(body["breakdown"]) == D("12.00")
    assert [line["approved"] for line in body["breakdown"]] == ["10.59", "1.06", "0.35"]
    assert preview["breakdown"] == body["breakdown"]


def test_rows_carry_no_approved_share_before_a_decision(now):
    customer = old_customer()
    order = delivered_order(customer, now)

    body = filed(client_as(customer), order, reason="other")

    assert body["status"] == "pending_review"
    assert all("approved" not in line for line in body["breakdown"])


def test_a_partial_approval_spreads_over_the_rows_to_the_cent(now):
    customer = old_customer()
    order = delivered_order(customer, now)
    refund = filed(client_as(customer), order, reason="other")
    agent = UserFactory(role="agent")

    decided = client_as(agent).post(
        f"/api/v1/refunds/{refund['id']}/decide/",
        {"decision": "approve", "amount": "10.01", "note": "部分退款"},
        format="json",
    )

    assert decided.status_code == 200, decided.content
    assert approved_total(decided.json()["breakdown"]) == D("10.01")


def test_the_spec_example_refunds_7_06_per_item(now):
    # Three dishes of 10.00 as three lines: each refunds 7.06.
    customer = UserFactory(role="customer")
    order = underway_order(
        customer,
        now,
        status="placed",
        items=[ItemFactory(unit_price="10.00", quantity=1) for _ in range(3)],
    )
    client = client_as(customer)

    lines = [
        filed(client, order, reason="other", items=[{"item": item.pk, "quantity": 1}])
        for item in order.items.all()
    ]

    assert [line["requested_amount"] for line in lines] == ["7.06", "7.06", "7.06"]
    rest = filed(client, order, reason="other")
    assert [(row["line"], row["amount"]) for row in rest["breakdown"]] == [
        ("delivery_fee", "2.12"),
        ("packaging_fee", "0.70"),
    ]


# --- Parts of a line ------------------------------------------------------------------


@pytest.fixture
def twenty_over_three(now: Any) -> tuple[Any, Any]:
    """3 x 10.00 with a 10.00 coupon and no fees: the line refunds 20.00,
    which does not split evenly into thirds."""
    customer = UserFactory(role="customer")
    order = underway_order(
        customer,
        now,
        status="placed",
        delivery_fee="0.00",
        packaging_fee="0.00",
        tenders=[{"method": "wechat", "amount": "20.00", "account": "wx:1"}],
    )
    return customer, order


def test_a_part_of_a_line_is_rounded_half_up(twenty_over_three):
    customer, order = twenty_over_three

    body = filed(client_as(customer), order, reason="other", items=unit(order, 1))

    # 20.00 x 1 / 3 = 6.666... -> 6.67
    assert body["requested_amount"] == "6.67"
    assert body["breakdown"][0]["quantity"] == 1
    assert body["breakdown"][0]["gross"] == "10.00"
    assert body["breakdown"][0]["discount_share"] == "3.33"


def test_three_single_units_add_up_to_the_lines_refundable_amount(twenty_over_three):
    customer, order = twenty_over_three
    client = client_as(customer)

    parts = [
        filed(client, order, reason="other", items=unit(order, 1))["approved_amount"]
        for _ in range(3)
    ]

    # The last unit gets exactly what is left.
    assert parts == ["6.67", "6.67", "6.66"]
    assert sum(D(p) for p in parts) == D("20.00")
    assert order_body(client, order)["refundable_total"] == "0.00"


def test_the_request_that_takes_the_last_units_gets_what_is_left(twenty_over_three):
    customer, order = twenty_over_three
    client = client_as(customer)

    first = filed(client, order, reason="other", items=unit(order, 2))
    last = filed(client, order, reason="other", items=unit(order, 1))

    assert (first["approved_amount"], last["approved_amount"]) == ("13.33", "6.67")


@settings(max_examples=25, suppress_health_check=WITH_THE_CLOCK_FIXTURE)
@given(
    unit_price=st.decimals(min_value=D("0.01"), max_value=D("99.99"), places=2),
    quantity=st.integers(min_value=1, max_value=9),
    coupon_share=st.fractions(min_value=0, max_value=1),
    data=st.data(),
)
def test_successive_parts_always_add_up_to_the_line(now, unit_price, quantity, coupon_share, data):
    gross = unit_price * quantity
    coupon = (gross * coupon_share.numerator / coupon_share.denominator).quantize(D("0.01"))
    coupon = min(coupon, gross - D("0.01"))
    customer = UserFactory(role="customer")
    order = create_order(
        customer=customer,
        items=[ItemFactory(unit_price=str(unit_price), quantity=quantity)],
        delivery_fee="0.00",
        packaging_fee="0.00",
        discounts=[{"kind": "red_packet", "amount": str(coupon)}] if coupon > 0 else [],
        tenders=[{"method": "alipay", "amount": str(gross - coupon), "account": "a"}],
    )
    item = order.items.get()
    left = quantity
    parts = []
    take_the_rest = False
    while left:
        take = left if take_the_rest else data.draw(st.integers(1, left), label="units")
        try:
            refund = services.refund_file(
                customer=customer,
                order_number=order.number,
                reason="other",
                items=[{"item": item.pk, "quantity": take}],
            ).request
        except ApplicationError as exc:
            # A part that rounds to 0.00 is nothing to refund (rule 1).
            assert exc.code == "not_refundable"
            line = order_refundable_now(order).line(str(item.pk))
            assert line is not None
            worth = part_of_line(
                line_refundable=line.refundable,
                line_quantity=quantity,
                quantity=take,
                already_refunded_quantity=line.claimed.quantity,
                already_refunded_amount=line.claimed.amount,
            )
            assert worth == 0
            if take == left:
                break
            take_the_rest = True
            continue
        parts.append(refund.approved_amount)
        left -= take

    (line_refundable,) = line_refundables([gross], coupon)
    assert sum(parts) == line_refundable == order.paid_total
    assert all(part >= 0 for part in parts)


# --- Whole orders and fees ------------------------------------------------------------


def test_a_request_without_items_refunds_everything_left_fees_included(now):
    customer = UserFactory(role="customer")
    client = client_as(customer)
    order = underway_order(customer, now, status="placed")
    filed(client, order, reason="other", items=unit(order, 1))

    rest = filed(client, order, reason="other")

    assert rest["requested_amount"] == "16.94"
    assert [(r["line"], r["quantity"], r["amount"]) for r in rest["breakdown"]] == [
        (str(order.items.get().pk), 2, "14.12"),
        ("delivery_fee", 1, "2.12"),
        ("packaging_fee", 1, "0.70"),
    ]
    assert amounts(rest["breakdown"]) == D("16.94")


def test_a_request_with_items_leaves_the_fees_with_the_order(now):
    customer = UserFactory(role="customer")
    client = client_as(customer)
    order = underway_order(customer, now, status="placed")

    body = filed(client, order, reason="other", items=unit(order, 3))

    assert [row["line"] for row in body["breakdown"]] == [str(order.items.get().pk)]
    assert body["requested_amount"] == "21.18"
    after = order_body(client, order)
    assert after["refundable_total"] == "2.82"
    assert after["items"][0]["refundable_quantity"] == 0
    assert after["items"][0]["refundable_amount"] == "0.00"


def test_money_a_partial_approval_leaves_is_refunded_without_units(now):
    # 20 % for a late delivery takes every unit but only 4.80 of the money.
    customer = old_customer()
    client = client_as(customer)
    order = delivered_order(customer, now, late=timedelta(minutes=20))
    late = filed(client, order, reason="late_delivery")
    assert late["approved_amount"] == "4.80"
    assert order_body(client, order)["refundable_total"] == "19.20"

    rest = filed(client, order, reason="other")

    assert rest["requested_amount"] == "19.20"
    assert amounts(rest["breakdown"]) == D("19.20")
    assert {row["quantity"] for row in rest["breakdown"]} == {0}


# --- Claims given back -----------------------------------------------------------------


def test_a_rejected_request_gives_its_claim_back(now):
    customer = old_customer()
    client = client_as(customer)
    order = delivered_order(customer, now)

    rejected = filed(client, order, reason="changed_mind")

    assert rejected["status"] == "rejected"
    body = order_body(client, order)
    assert body["refundable_total"] == "24.00"
    assert body["items"][0]["refundable_quantity"] == 3


def test_a_cancelled_request_gives_its_claim_back(now):
    customer = old_customer()
    client = client_as(customer)
    order = delivered_order(customer, now)
    pending = filed(client, order, reason="other", items=unit(order, 2))
    assert order_body(client, order)["refundable_total"] == "9.88"
    assert order_body(client, order)["items"][0]["refundable_quantity"] == 1

    assert client.post(refund_url(pending["id"], "cancel")).status_code == 200

    body = order_body(client, order)
    assert body["refundable_total"] == "24.00"
    assert body["items"][0]["refundable_quantity"] == 3
    again = filed(client, order, reason="other", items=unit(order, 3))
    assert again["requested_amount"] == "21.18"


def test_a_request_rejected_by_an_agent_gives_its_claim_back(now):
    customer = old_customer()
    client = client_as(customer)
    order = delivered_order(customer, now)
    pending = filed(client, order, reason="other")
    assert order_body(client, order)["refundable_total"] == "0.00"

    services.refund_decide(
        refund=RefundRequest.objects.get(pk=pending["id"]),
        agent=UserFactory(role="agent"),
        decision="reject",
        note="送达记录和照片都正常",
    )

    assert order_body(client, order)["refundable_total"] == "24.00"


# --- Never more than paid -------------------------------------------------------------


@settings(max_examples=30, suppress_health_check=WITH_THE_CLOCK_FIXTURE)
@given(
    wishes=st.lists(
        st.one_of(st.none(), st.tuples(st.integers(0, 1), st.integers(1, 4))),
        min_size=1,
        max_size=6,
    )
)
def test_the_approved_total_never_exceeds_what_was_paid(now, wishes):
    """Whatever customers ask for, in whatever order, what is approved and
    what is left add up to the paid total, and never more is approved."""
    customer = UserFactory(role="customer")
    order = create_order(
        customer=customer,
        items=[
            ItemFactory(unit_price="12.90", quantity=3),
            ItemFactory(unit_price="4.50", quantity=2),
        ],
        delivery_fee="5.00",
        packaging_fee="2.00",
        discounts=[{"kind": "coupon", "amount": "8.00"}, {"kind": "points", "amount": "1.33"}],
        tenders=[
            {"method": "alipay", "amount": "30.00", "account": "a"},
            {"method": "wallet", "amount": "15.37", "account": "w"},
        ],
    )
    items = list(order.items.all())
    for wish in wishes:
        wanted = [] if wish is None else [{"item": items[wish[0]].pk, "quantity": wish[1]}]
        try:
            services.refund_file(
                customer=customer, order_number=order.number, reason="other", items=wanted
            )
        except ApplicationError as exc:
            assert exc.code == "not_refundable"

        granted = sum(
            (r.approved_amount for r in RefundRequest.objects.filter(order=order)), D("0.00")
        )
        left = order_refundable_now(order).total
        assert granted <= order.paid_total
        assert granted + left == order.paid_total
        paid_back = sum((p.amount for p in Payout.objects.filter(refund__order=order)), D("0"))
        assert paid_back == granted


# --- Payouts over the tenders ------------------------------------------------------------


@pytest.fixture
def two_tenders(now: Any) -> tuple[Any, Any]:
    """The default order, paid 14.00 by Alipay and 10.00 by WeChat Pay."""
    customer = UserFactory(role="customer")
    order = underway_order(
        customer,
        now,
        status="placed",
        tenders=[
            {"method": "alipay", "amount": "14.00", "account": "alipay:1"},
            {"method": "wechat", "amount": "10.00", "account": "wx:1"},
        ],
    )
    return customer, order


def payouts_of(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["method"], p["amount"]) for p in body["payouts"]]


def test_an_approval_is_split_over_the_tenders_in_proportion(two_tenders):
    customer, order = two_tenders

    body = filed(client_as(customer), order, reason="other", items=unit(order, 1))

    # 7.06 x 14/24 = 4.118 and 7.06 x 10/24 = 2.941: the missing cent goes
    # to the larger remainder.
    assert payouts_of(body) == [("alipay", "4.12"), ("wechat", "2.94")]
    assert {p["status"] for p in body["payouts"]} == {"pending"}


def test_successive_approvals_pay_each_tender_back_exactly_what_it_paid(two_tenders):
    customer, order = two_tenders
    client = client_as(customer)

    first = filed(client, order, reason="other", items=unit(order, 1))
    second = filed(client, order, reason="other", items=unit(order, 1))
    rest = filed(client, order, reason="other")

    assert payouts_of(first) == payouts_of(second) == [("alipay", "4.12"), ("wechat", "2.94")]
    assert payouts_of(rest) == [("alipay", "5.76"), ("wechat", "4.12")]
    for body in (first, second, rest):
        assert sum(D(amount) for _, amount in payouts_of(body)) == D(body["approved_amount"])
    by_tender = {
        method: sum(
            (p.amount for p in Payout.objects.filter(refund__order=order, method=method)),
            D("0.00"),
        )
        for method in ("alipay", "wechat")
    }
    assert by_tender == {"alipay": D("14.00"), "wechat": D("10.00")}


def test_only_the_first_request_on_an_order_skips_reading_what_payouts_took(two_tenders):
    """The first request's tenders are whole; every later one is split over
    what each tender has left after the payouts before it."""
    customer, order = two_tenders
    client = client_as(customer)

    def sums_payouts(queries: CaptureQueriesContext) -> bool:
        return any(
            "payouts_payout" in q["sql"] and "SUM(" in q["sql"] for q in queries.captured_queries
        )

    with CaptureQueriesContext(connection) as first:
        filed(client, order, reason="other", items=unit(order, 1))
    with CaptureQueriesContext(connection) as second:
        filed(client, order, reason="other", items=unit(order, 1))

    assert not sums_payouts(first)
    assert sums_payouts(second)


def test_nothing_is_paid_out_for_a_request_that_is_not_approved(now):
    customer = old_customer()
    order = delivered_order(customer, now)

    body = filed(client_as(customer), order, reason="other")

    assert body["status"] == "pending_review"
    assert body["payouts"] == []
    assert not Payout.objects.filter(refund__order=order).exists()
