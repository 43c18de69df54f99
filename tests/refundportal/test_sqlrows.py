"""The filing path's hand-written SQL gives what the ORM gives: the same
values of the same types (exact decimals, aware datetimes, JSON), on SQLite
and on PostgreSQL (the suite runs on both)."""

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Q, Sum

from orders.models import Order, Tender
from orders.selectors import customer_order_with_items
from payouts.models import Payout
from payouts.selectors import tenders_with_open_payouts
from refundportal import clock, sqlrows
from refunds.models import RefundItem, RefundPolicy, RefundRequest, TimelineEvent
from refunds.risk import refunder_since
from refunds.selectors import CLAIM_COLUMNS, Standing, filing_standing, standing_of
from tests.factories import ItemFactory, RefundRequestFactory, create_order, create_order_at
from tests.refunds.support import file_refund, old_customer

pytestmark = pytest.mark.django_db


def columns_of(instance: Any) -> dict[str, str]:
    """Every column's value with its type, as text: 12.5 and 12.50 differ."""
    return {
        f.attname: f"{type(getattr(instance, f.attname)).__name__}:{getattr(instance, f.attname)!s}"
        for f in type(instance)._meta.concrete_fields
    }


def test_an_order_read_by_hand_is_the_orm_order_with_its_items(django_assert_num_queries):
    customer = old_customer()
    order = create_order(
        customer=customer,
        items=[ItemFactory(unit_price="12.50", quantity=2), ItemFactory(unit_price="0.10")],
        tenders=[{"method": "alipay", "amount": "19.10", "account": "alipay:1"}],
    )

    with django_assert_num_queries(1):
        read = customer_order_with_items(customer.pk, order.number, lock=False)
        assert read is not None
        items = list(read.items.all())

    expected = Order.objects.get(pk=order.pk)
    assert columns_of(read) == columns_of(expected)
    assert [columns_of(i) for i in items] == [
        columns_of(i) for i in expected.items.order_by("position")
    ]
    assert items[0].unit_price == Decimal("12.50") and str(items[0].unit_price) == "12.50"
    assert read.placed_at.utcoffset() == timedelta(0)
    assert all(item.order is read for item in items)


def test_the_locked_read_holds_the_order_in_a_transaction():
    customer = old_customer()
    order = create_order(customer=customer)

    with transaction.atomic():
        read = customer_order_with_items(customer.pk, order.number, lock=True)

    assert read is not None and read.pk == order.pk


def test_another_customers_order_or_an_unknown_number_reads_as_nothing():
    owner, other = old_customer(), old_customer()
    order = create_order(customer=owner)

    assert customer_order_with_items(other.pk, order.number, lock=False) is None
    assert customer_order_with_items(owner.pk, "NO-SUCH-ORDER", lock=False) is None


def orm_standing(order: Order, since: Any) -> Standing:
    """The same reading through the ORM."""
    rows = (
        RefundRequest.objects.filter(customer_id=order.customer_id)
        .filter(Q(order_id=order.pk) | Q(created_at__gte=since))
        .order_by()
        .values_list("pk", "created_at", "reason", *CLAIM_COLUMNS)
    )
    return standing_of(order, since, rows)


def test_a_customers_standing_read_by_hand_is_the_orm_reading(api):
    customer = old_customer()
    api.force_authenticate(customer)
    now = clock.now()
    delivered = {
        "status": "delivered",
        "promised_at": now - timedelta(hours=3),
        "delivered_at": now - timedelta(hours=2, minutes=10),
    }
    order = create_order_at(
        customer=customer,
        items=[ItemFactory(unit_price="10.00"), ItemFactory(unit_price="5.00")],
        tenders=[{"method": "alipay", "amount": "9.00", "account": "alipay:1"}],
        **delivered,
    )
    first, second = order.items.order_by("position")[:2]
    # Two lines claimed on the order: one by a request waiting for review,
    # one by an approved request; a cancelled request holds nothing.
    response = file_refund(api, order, reason="other", items=[{"item": first.pk, "quantity": 1}])
    assert response.status_code == 201, response.content
    approved = RefundRequestFactory(
        order=order,
        status="approved",
        requested_amount=Decimal("4.50"),
        approved_amount=Decimal("1.10"),
    )
    RefundItem.objects.create(
        request=approved,
        line=str(second.pk),
        item=second,
        name=second.name,
        quantity=1,
        gross=Decimal("5.00"),
        discount_share=Decimal("0.50"),
        amount=Decimal("4.50"),
        approved_amount=Decimal("1.10"),
    )
    RefundRequestFactory(order=order, status="cancelled", requested_amount=Decimal("3.30"))
    # Other orders: one recent, one too old to count, one cancelled.
    for days, status in ((2, "rejected"), (45, "refunded"), (1, "cancelled")):
        other = create_order_at(customer=customer, **delivered)
        RefundRequestFactory(order=other, status=status, created_at=now - timedelta(days=days))
    stranger = old_customer()
    RefundRequestFactory(order=create_order_at(customer=stranger, **delivered))

    since = refunder_since(now, RefundPolicy.current())
    read = filing_standing(order, since)

    assert read == orm_standing(order, since)
    assert read.open_request == response.json()["id"]
    assert read.late_compensated_by is None
    assert read.recent_requests == 3  # waiting, approved, rejected
    assert read.claims[str(first.pk)].quantity == 1
    assert str(read.claims[str(second.pk)].amount) == "1.10"


def test_open_payouts_per_tender_are_summed_exactly():
    customer = old_customer()
    order = create_order(
        customer=customer,
        tenders=[
            {"method": "alipay", "amount": "20.00", "account": "alipay:1"},
            {"method": "wallet", "amount": "4.00", "account": "wallet:1"},
        ],
    )
    refund = RefundRequestFactory(order=order, status="approved")
    alipay, wallet = order.tenders.order_by("position")
    now = clock.now()
    for amount, closed in (("0.10", False), ("0.20", False), ("5.00", True)):
        Payout.objects.create(
            refund=refund,
            tender=alipay,
            method=alipay.method,
            account=alipay.account,
            amount=Decimal(amount),
            closed=closed,
            idempotency_key=uuid.uuid4().hex,
            created_at=now,
            updated_at=now,
        )

    read = tenders_with_open_payouts(order.pk)

    assert [columns_of(t) for t, _ in read] == [columns_of(t) for t in (alipay, wallet)]
    assert [str(taken) for _, taken in read] == ["0.30", "0.00"]
    orm = (
        Tender.objects.filter(order=order)
        .order_by("position")
        .annotate(taken=Sum("payouts__amount", filter=Q(payouts__closed=False)))
    )
    assert [taken for _, taken in read] == [t.taken or Decimal("0") for t in orm]


def test_rows_inserted_by_hand_read_back_through_the_orm_unchanged():
    customer = old_customer()
    order = create_order(customer=customer)
    request = RefundRequestFactory(order=order)
    now = clock.now()
    items = [
        RefundItem(
            request=request,
            line=str(n),
            name=f"菜 {n}",
            quantity=n,
            gross=Decimal("10.10"),
            discount_share=Decimal("0.05"),
            amount=Decimal("10.05"),
            approved_amount=None if n == 2 else Decimal("3.35"),
        )
        for n in (1, 2, 3)
    ]
    event = TimelineEvent(
        request=request,
        at=now,
        actor_role="system",
        to_status="approved",
        note="规则通过",
        rule="R5",
        facts={"late_minutes": 45, "amount": "12.50", "nested": {"是": [1, 2]}},
    )

    with django_queries() as queries:
        written = sqlrows.insert(items)
        sqlrows.insert([event])
    assert len(queries) == 2

    assert [i.pk for i in written] == sorted(i.pk for i in written)
    assert all(not i._state.adding for i in written)
    stored = {i.pk: i for i in RefundItem.objects.filter(request=request)}
    assert [columns_of(i) for i in written] == [columns_of(stored[i.pk]) for i in written]
    stored_event = TimelineEvent.objects.get(pk=event.pk)
    assert stored_event.facts == event.facts  # (PostgreSQL orders a JSON object's keys)
    event.facts = stored_event.facts = None
    assert columns_of(event) == columns_of(stored_event)
    assert sqlrows.insert([]) == []


def django_queries() -> Any:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    return CaptureQueriesContext(connection)


def test_without_returning_rows_are_inserted_one_by_one_with_their_keys(monkeypatch):
    from django.db import connection

    # A property on the class outranks a value cached on the instance.
    monkeypatch.setattr(
        type(connection.features), "can_return_rows_from_bulk_insert", property(lambda _: False)
    )
    request = RefundRequestFactory(order=create_order(customer=old_customer()))
    events = [
        TimelineEvent(request=request, at=clock.now(), actor_role="system", to_status=status)
        for status in ("pending_review", "approved")
    ]

    with django_queries() as queries:
        written = sqlrows.insert(events)

    assert len(queries) == 2
    assert all(e.pk for e in written)
    assert list(
        TimelineEvent.objects.filter(request=request).order_by("pk").values_list("to_status")
    ) == [("pending_review",), ("approved",)]
