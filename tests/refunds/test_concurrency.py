"""Requests filed at the same moment on one order: the order row lock lets
one through at a time, so the money claimed never exceeds what was paid,
and the database itself allows one open request per order."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from refunds.models import RefundRequest
from refunds.selectors import order_refundable_now
from tests.conftest import client_as
from tests.factories import RefundRequestFactory, UserFactory, create_order, create_order_at

from .support import at_once, file_refund, old_customer

GRANTED = ("pending_review", "approved", "refunded", "payout_failed")


def claimed(order: Any) -> Decimal:
    requests = RefundRequest.objects.filter(order=order, status__in=GRANTED)
    return sum(
        (r.approved_amount if r.approved_amount is not None else r.requested_amount)
        for r in requests
    ) or Decimal("0.00")


@pytest.mark.postgres
@pytest.mark.parametrize("status, reason", [("accepted", "other"), ("placed", "other")])
def test_two_requests_at_once_on_one_order_let_exactly_one_through(
    transactional_db, status, reason
):
    customer = old_customer()
    order = create_order_at(
        customer=customer, status=status, promised_at=timezone.now() - timedelta(minutes=5)
    )
    clients = [client_as(customer), client_as(customer)]

    responses = at_once([lambda c=c: file_refund(c, order, reason=reason) for c in clients])

    assert not [r for r in responses if isinstance(r, BaseException)], responses
    outcomes = sorted((r.status_code, r.json().get("code")) for r in responses)
    assert outcomes[0] == (201, None)
    assert outcomes[1] in ((400, "not_refundable"), (409, "request_open"))
    assert RefundRequest.objects.filter(order=order).count() == 1
    assert claimed(order) == order.paid_total
    assert order_refundable_now(order).total == Decimal("0.00")


@pytest.mark.postgres
def test_many_single_units_at_once_never_take_more_units_than_the_line_has(transactional_db):
    customer = UserFactory(role="customer")
    order = create_order(customer=customer)  # placed: each request approved at once
    item = order.items.get()
    clients = [client_as(customer) for _ in range(6)]

    responses = at_once(
        [
            lambda c=c: file_refund(
                c, order, reason="other", items=[{"item": item.pk, "quantity": 1}]
            )
            for c in clients
        ]
    )

    assert not [r for r in responses if isinstance(r, BaseException)], responses
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 201, 201, 400, 400, 400]
    assert {r.json()["code"] for r in responses if r.status_code == 400} == {"not_refundable"}
    amounts = sorted(r.approved_amount for r in RefundRequest.objects.filter(order=order))
    assert amounts == [Decimal("7.06"), Decimal("7.06"), Decimal("7.06")]
    assert order_refundable_now(order).total == Decimal("2.82")  # the fees


@pytest.mark.django_db
def test_the_database_allows_one_open_request_per_order(customer):
    order = create_order(customer=customer)
    RefundRequestFactory(order=order, status="pending_review")

    with pytest.raises(IntegrityError), transaction.atomic():
        RefundRequestFactory(order=order, status="pending_review")

    # Closed requests are not limited.
    RefundRequestFactory(order=order, status="rejected")
    RefundRequestFactory(order=order, status="rejected")
    assert RefundRequest.objects.filter(order=order).count() == 3
