"""The database's own check that an order adds up: exact to the cent on
every backend, including SQLite, which stores decimals as binary floats."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from orders.models import Order
from tests.factories import OrderPayloadFactory

pytestmark = pytest.mark.django_db


def test_amounts_whose_float_sum_is_inexact_are_accepted(integration, customer):
    # 2.50 + 1.00 + 0.50 - 2.70 is not 1.30 in binary floating point, which
    # is how SQLite stores decimals; the database check once refused it (500).
    payload = OrderPayloadFactory(
        customer=customer.username,
        items=[{"sku": "SKU-1", "name": "卤蛋", "unit_price": "2.50", "quantity": 1}],
        delivery_fee="1.00",
        packaging_fee="0.50",
        discounts=[{"kind": "red_packet", "amount": "2.70"}],
        tenders=[{"method": "alipay", "amount": "1.30", "account": "alipay:138****0001"}],
    )
    response = integration.post("/api/v1/orders/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["paid_total"] == "1.30"


def test_database_refuses_a_paid_total_a_cent_off(integration, customer):
    response = integration.post(
        "/api/v1/orders/", OrderPayloadFactory(customer=customer.username), format="json"
    )
    order = Order.objects.get(number=response.json()["number"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(paid_total=Decimal("24.01"))
