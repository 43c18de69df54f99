# The foreign keys below lead a composite index that serves their lookups,
# so their own single-column indexes only cost every write. The indexes are
# dropped by name: altering the fields would let the schema editor drop
# every index on the column, the partial unique one included.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_order_paid_total_adds_up_within_half_cent"),
        ("refunds", "0004_timelineevent_internal"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
            migrations.RunSQL(
                'DROP INDEX IF EXISTS "refunds_refundrequest_customer_id_fc5a44dc"',
                reverse_sql='CREATE INDEX "refunds_refundrequest_customer_id_fc5a44dc" ON "refunds_refundrequest" ("customer_id")',
            ),
            migrations.RunSQL(
                'DROP INDEX IF EXISTS "refunds_refundrequest_order_id_e803a4d2"',
                reverse_sql='CREATE INDEX "refunds_refundrequest_order_id_e803a4d2" ON "refunds_refundrequest" ("order_id")',
            ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="refundrequest",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="refund_requests",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="refundrequest",
                    name="order",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="refund_requests",
                        to="orders.order",
                    ),
                ),
            ],
        ),
    ]
