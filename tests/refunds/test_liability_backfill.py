"""Requests granted before who pays was recorded get it from the migration,
by the default-by-cause rules; blank stays blank where nothing was granted,
and a liability already recorded is kept."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("refunds", "0010_dispute")]
AFTER = [("refunds", "0011_backfill_liability")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_granted_requests_without_a_liability_get_the_default_by_cause():
    old = migrate(BEFORE)
    try:
        User = old.get_model("auth", "User")
        Merchant = old.get_model("orders", "Merchant")
        Order = old.get_model("orders", "Order")
        Request = old.get_model("refunds", "RefundRequest")
        now = timezone.now()
        customer = User.objects.create(username="before-liability")
        merchant = Merchant.objects.create(code="M1", name="Noodle Bar")

        def request(number: str, order_status: str, **fields: Any) -> int:
            order = Order.objects.create(
                number=number,
                customer=customer,
                merchant=merchant,
                placed_at=now - timedelta(hours=2),
                promised_at=now - timedelta(hours=1),
                status=order_status,
                items_total=Decimal("24.00"),
                paid_total=Decimal("24.00"),
                payload_digest="-",
            )
            defaults = {
                "status": "refunded",
                "requested_amount": Decimal("24.00"),
                "approved_amount": Decimal("24.00"),
                "decision_source": "auto",
                "decided_at": now,
                "review_due_at": now + timedelta(hours=24),
                "created_at": now,
                "updated_at": now,
            }
            return Request.objects.create(
                order=order, customer=customer, **{**defaults, **fields}
            ).pk

        ids = {
            "food": request("B-1", "delivered", reason="food_quality", decision_source="agent"),
            "late": request("B-2", "delivered", reason="late_delivery", decision_rule="R9"),
            "lost": request("B-3", "picked_up", reason="not_delivered", status="payout_failed"),
            "never": request("B-4", "cancelled", reason="not_delivered", decision_rule="R4"),
            "silent": request("B-5", "accepted", reason="changed_mind", decision_rule="M1"),
            "goodwill": request("B-6", "accepted", reason="changed_mind", status="approved"),
            "kept": request("B-7", "delivered", reason="damaged", liability="platform"),
            "rejected": request(
                "B-8", "delivered", reason="food_quality", status="rejected", approved_amount=None
            ),
        }

        new = migrate(AFTER)
        found = dict(
            new.get_model("refunds", "RefundRequest").objects.values_list("pk", "liability")
        )
        assert {name: found[pk] for name, pk in ids.items()} == {
            "food": "merchant",
            "late": "courier",
            "lost": "courier",
            "never": "platform",
            "silent": "merchant",
            "goodwill": "platform",
            "kept": "platform",
            "rejected": "",
        }
    finally:
        latest()
