"""The policy in force when its history started is its first version, so
that the first edit after the upgrade shows what it changed from."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from refunds.models import RefundPolicy

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(*targets: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(list(targets))


@pytest.fixture
def back_to_the_latest_schema():
    yield
    executor = MigrationExecutor(connection)
    migrate(*executor.loader.graph.leaf_nodes())


def test_the_policy_before_the_upgrade_is_the_first_version(back_to_the_latest_schema):
    migrate(("refunds", "0012_verbose_names"))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM refunds_refundpolicy")
    RefundPolicy.objects.bulk_create([RefundPolicy(auto_approve_limit=Decimal("35.00"))])

    migrate(("refunds", "0013_refund_policy_history"))

    policy = RefundPolicy.objects.get()
    (first,) = policy.history.all()
    assert (first.history_type, first.auto_approve_limit) == ("+", Decimal("35.00"))
    policy.auto_approve_limit = Decimal("40.00")
    policy.save()
    change = policy.history.first().diff_against(first)
    assert [(c.field, c.old, c.new) for c in change.changes] == [
        ("auto_approve_limit", Decimal("35.00"), Decimal("40.00"))
    ]
