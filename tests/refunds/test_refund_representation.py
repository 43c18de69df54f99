"""A request as the API shows it is written out by hand for speed; it must
be exactly what DRF's field-by-field serializing gives, for a customer and
for staff, with payouts, photos, internal notes, a claim and a decision."""

from datetime import timedelta
from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts import roles
from refunds import services
from refunds.models import RefundPolicy, RefundRequest
from refunds.selectors import refund_queryset_for
from refunds.serializers import RefundSerializer
from tests.conftest import client_as
from tests.factories import UserFactory, create_order_at

from .support import delivered_order, english, file_refund, old_customer, upload_id

pytestmark = pytest.mark.django_db


def context_for(user: Any) -> dict[str, Any]:
    http = APIRequestFactory().get("/api/v1/refunds/", HTTP_HOST="portal.example")
    request = Request(http)
    request.user = user
    return {"request": request, "policy": RefundPolicy.current()}


def field_by_field(serializer: RefundSerializer, instance: RefundRequest) -> dict[str, Any]:
    """DRF's own reading of the declared fields, customers without the
    staff-only keys."""
    data = dict(serializers.ModelSerializer.to_representation(serializer, instance))
    if not serializer._is_staff():
        data.pop("risk")
        data.pop("assignee")
    return data


@pytest.fixture
def requests_of_every_kind(now: Any) -> tuple[Any, list[int]]:
    customer = old_customer(email="c@example.com")
    client = english(client_as(customer))
    ids = []
    cancelled = create_order_at(
        customer=customer, promised_at=now - timedelta(minutes=20), status="cancelled"
    )
    approved = file_refund(client, cancelled, reason="not_delivered").json()
    assert approved["status"] == "approved" and approved["payouts"]
    ids.append(approved["id"])
    photo = upload_id(client)
    with_photo = file_refund(
        client, delivered_order(customer, now), reason="food_quality", evidence=[photo]
    ).json()
    assert with_photo["evidence"]
    ids.append(with_photo["id"])
    pending = RefundRequest.objects.get(
        pk=file_refund(client, delivered_order(customer, now), reason="other").json()["id"]
    )
    agent = UserFactory(role=roles.AGENT)
    services.refund_claim(refund=pending, agent=agent)
    services.refund_note_add(refund=pending, author=agent, note="先核实骑手记录", internal=True)
    ids.append(pending.pk)
    rejected = RefundRequest.objects.get(
        pk=file_refund(client, delivered_order(customer, now), reason="other").json()["id"]
    )
    services.refund_decide(
        refund=rejected, agent=UserFactory(role=roles.SENIOR_AGENT), decision="reject", note="无"
    )
    ids.append(rejected.pk)
    return customer, ids


@pytest.mark.parametrize("reader", ["customer", "agent", "manager"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_written_out_request_is_drfs_field_by_field_output(
    requests_of_every_kind, reader, language
):
    from django.utils import translation

    customer, ids = requests_of_every_kind
    user = customer if reader == "customer" else UserFactory(role=reader)
    context = context_for(user)

    with translation.override(language):
        for refund in refund_queryset_for(user).filter(pk__in=ids).order_by("pk"):
            serializer = RefundSerializer(refund, context=context)
            assert serializer.data == field_by_field(serializer, refund)


def test_a_list_page_of_requests_reads_the_same_through_the_api(requests_of_every_kind):
    customer, ids = requests_of_every_kind
    client = client_as(customer)

    page = client.get("/api/v1/refunds/").json()["results"]

    for shown in page:
        detail = client.get(f"/api/v1/refunds/{shown['id']}/").json()
        assert shown == detail
    assert sorted(r["id"] for r in page) == sorted(ids)
    assert all("risk" not in r and "assignee" not in r for r in page)
