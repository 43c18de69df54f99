from decimal import Decimal

import pytest

from tests.factories import OrderPayloadFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_integration_creates_order_with_refundable_amounts(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username)
    response = integration.post("/api/v1/orders/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["paid_total"] == "24.00"
    assert body["refundable_total"] == "24.00"
    item = body["items"][0]
    assert item["refundable_quantity"] == 3
    assert item["refundable_amount"] == "21.18"
    assert Decimal(item["refundable_amount"]) / 3 == Decimal("7.06")


def test_same_order_again_answers_stored_order(integration, customer):
    payload = OrderPayloadFactory(customer=customer.username)
    first = integration.post("/api/v1/orders/", payload, format="json")
    again = integration.post("/api/v1/orders/", payload, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_malformed_json_is_a_validation_error(integration):
    response = integration.post(
        "/api/v1/orders/", data=b'{"number": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_customer_cannot_create_orders(customer):
    from tests.conftest import client_as

    response = client_as(customer).post("/api/v1/orders/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_unknown_customer_is_refused(integration):
    UserFactory(username="someone")
    payload = OrderPayloadFactory(customer="nobody")
    response = integration.post("/api/v1/orders/", payload, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()["fields"]
