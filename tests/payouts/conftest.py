from datetime import timedelta

import pytest
from django.utils import timezone

from refunds.models import RefundRequest
from tests.conftest import client_as
from tests.factories import UserFactory, create_order


@pytest.fixture
def approve_on_placed_order(db, django_capture_on_commit_callbacks):
    """``approve_on_placed_order(tenders)``: a customer files on an order the
    merchant has not accepted (approved at once, R4); the first payout
    attempts run when the approval commits (in-process on the embedded
    default)."""

    def make(tenders, customer=None):
        customer = customer or UserFactory(role="customer")
        customer.date_joined = timezone.now() - timedelta(days=90)
        customer.save()
        order = create_order(customer=customer, tenders=tenders)
        with django_capture_on_commit_callbacks(execute=True):
            response = client_as(customer).post(
                "/api/v1/refunds/", {"order": order.number, "reason": "other"}, format="json"
            )
        assert response.status_code == 201, response.json()
        return RefundRequest.objects.get(pk=response.json()["id"])

    return make
