"""Indexes the KPI queries need on other apps' tables, created here so that
the analytics app owns what only it reads:

- payouts by success time (open payouts only): the requests refunded in a
  month;
- requests by staff decision time: the review SLA share of a month;
- feedback by time: the month's satisfaction and low ratings.

``IF NOT EXISTS`` and partial indexes work on PostgreSQL and SQLite alike.
"""

from django.db import migrations

INDEXES = [
    (
        "analytics_payout_succeeded_idx",
        "payouts_payout (succeeded_at) WHERE NOT closed",
    ),
    (
        "analytics_refund_staff_decided_idx",
        "refunds_refundrequest (decided_at) WHERE decision_source = 'agent'",
    ),
    ("analytics_feedback_created_idx", "refunds_feedback (created_at)"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("payouts", "0002_initial"),
        ("refunds", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, target in INDEXES
    ]
