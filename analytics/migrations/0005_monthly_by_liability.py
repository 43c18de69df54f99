"""The month's approved amounts by who bears them. Roll-ups written without
them are dropped; the periodic roll-up writes them again, and until then the
dashboard and the API compute those months live."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    apps.get_model("analytics", "MonthlyKpi").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0004_monthly_customer_wait'),
        ('refunds', '0011_backfill_liability'),
    ]

    operations = [
        migrations.AddField(
            model_name='monthlykpi',
            name='by_liability',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
