"""GET /api/v1/refunds/ and /api/v1/refunds/{id}/: what a request shows,
the list's filters and pages, and a query count that does not grow with
the page."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_as
from tests.factories import UserFactory

from .support import REFUNDS, delivered_order, file_refund, refund_url, underway_order, upload_id

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "order",
    "reason",
    "description",
    "status",
    "requested_amount",
    "approved_amount",
    "breakdown",
    "decision",
    "items",
    "evidence",
    "payouts",
    "timeline",
    "sla",
    "can_appeal",
}


def filed(client: Any, order: Any, **fields: Any) -> dict[str, Any]:
    response = file_refund(client, order, **fields)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_request_shows_everything_the_spec_names(now, veteran):
    client = client_as(veteran)
    order = delivered_order(veteran, now)
    item = order.items.get()
    photo = upload_id(client)
    created = filed(
        client,
        order,
        reason="damaged",
        description="汤洒了一半",
        items=[{"item": item.pk, "quantity": 1}],
        evidence=[photo],
    )

    body = client.get(refund_url(created["id"])).json()

    assert set(body) >= FIELDS
    assert body["order"] == order.number
    assert (body["reason"], body["description"]) == ("damaged", "汤洒了一半")
    assert body["items"] == [{"item": item.pk, "quantity": 1, "amount": "7.06"}]
    assert [e["id"] for e in body["evidence"]] == [photo]
    assert set(body["decision"]) == {"source", "rule", "note", "at"}
    assert set(body["sla"]) == {"review_due_at", "breached", "escalated"}
    assert [set(p) for p in body["payouts"]] == [{"id", "method", "amount", "status"}]
    assert set(body["timeline"][0]) == {"at", "from_status", "to_status", "actor_role", "note"}


def test_the_review_deadline_is_24_hours_later_in_china_standard_time(now, veteran):
    client = client_as(veteran)
    created = filed(client, delivered_order(veteran, now), reason="other")

    due = client.get(refund_url(created["id"])).json()["sla"]["review_due_at"]

    assert due.endswith("+08:00")
    assert datetime.fromisoformat(due) == now + timedelta(hours=24)


def test_the_list_is_paginated_and_filtered(now, veteran):
    client = client_as(veteran)
    pending = filed(client, delivered_order(veteran, now), reason="other")
    rejected = filed(client, delivered_order(veteran, now), reason="changed_mind")
    approved_order = underway_order(veteran, now, status="placed")
    approved = filed(client, approved_order, reason="not_delivered")

    everything = client.get(REFUNDS).json()

    assert set(everything) == {"count", "next", "previous", "results"}
    assert everything["count"] == 3
    assert {r["id"] for r in everything["results"]} == {
        pending["id"],
        rejected["id"],
        approved["id"],
    }

    def ids(query: str) -> list[int]:
        return [r["id"] for r in client.get(f"{REFUNDS}?{query}").json()["results"]]

    assert ids("status=rejected") == [rejected["id"]]
    assert ids("reason=not_delivered") == [approved["id"]]
    assert ids(f"order={approved_order.number}") == [approved["id"]]
    page = client.get(f"{REFUNDS}?page_size=2").json()
    assert len(page["results"]) == 2
    assert page["next"]


def test_the_list_runs_the_same_number_of_queries_for_1_or_8_requests(now):
    def queries_for(count: int) -> int:
        customer = UserFactory(role="customer")
        client = client_as(customer)
        for _ in range(count):
            order = delivered_order(customer, now)
            filed(client, order, reason="damaged", evidence=[upload_id(client, order.pk)])
        staff = client_as(UserFactory(role="agent"))
        staff.get(REFUNDS)  # the token and role lookups, once
        with CaptureQueriesContext(connection) as captured:
            response = staff.get(f"{REFUNDS}?page_size=100")
        assert response.status_code == 200
        return len(captured)

    assert queries_for(1) == queries_for(8)


def test_the_list_stays_within_a_fixed_number_of_queries(
    now, veteran, django_assert_max_num_queries
):
    client = client_as(veteran)
    for _ in range(5):
        filed(client, delivered_order(veteran, now), reason="other")
    client.get(REFUNDS)

    with django_assert_max_num_queries(15):
        response = client.get(REFUNDS)

    assert response.json()["count"] == 5


@pytest.mark.parametrize(
    ("order_of", "fields"),
    [
        # R5: not delivered, approved in full, a payout
        (
            lambda c, now: underway_order(
                c, now, status="cancelled", promised_ago=timedelta(minutes=20)
            ),
            {"reason": "not_delivered"},
        ),
        # R9: 45 minutes late, half approved, a payout
        (
            lambda c, now: delivered_order(c, now, late=timedelta(minutes=45)),
            {"reason": "late_delivery"},
        ),
        # R15: held for an agent
        (lambda c, now: delivered_order(c, now), {"reason": "other", "description": "不好吃"}),
    ],
    ids=["approved", "partly-approved", "pending"],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_filing_answer_is_what_reading_the_request_shows(
    now, veteran, order_of, fields, language
):
    client = client_as(veteran)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    order = order_of(veteran, now)

    created = filed(client, order, **fields)

    assert created == client.get(refund_url(created["id"])).json()


def test_the_filing_answer_with_photos_and_items_is_what_reading_shows(now, veteran):
    client = client_as(veteran)
    order = delivered_order(veteran, now)
    item = order.items.get()
    photos = [upload_id(client, seed) for seed in (3, 1, 2)]

    created = filed(
        client,
        order,
        reason="damaged",
        items=[{"item": item.pk, "quantity": 1}],
        evidence=photos,
    )

    assert created == client.get(refund_url(created["id"])).json()
    assert [p["id"] for p in created["evidence"]] == sorted(photos)


def test_filing_reads_nothing_back(now, veteran, django_assert_max_num_queries):
    client = client_as(veteran)
    order = underway_order(veteran, now, status="cancelled", promised_ago=timedelta(minutes=20))
    filed(client, delivered_order(veteran, now), reason="other")  # warm the policy row

    # token and roles, the order with its items (locked), its standing with
    # the customer's recent requests, then the writes (request, lines,
    # timeline, tenders read, payout, notification) and the savepoint around
    # the filing: the answer is built from the rows written, none read back.
    with django_assert_max_num_queries(16) as captured:
        response = file_refund(client, order, reason="not_delivered")

    assert response.status_code == 201
    statements = [q["sql"].split(" ", 1)[0] for q in captured.captured_queries]
    last_write = max(i for i, verb in enumerate(statements) if verb == "INSERT")
    assert "SELECT" not in statements[last_write:], statements
