"""The reasons of a month now count the requests on the orders placed in it
(the refund amount's population, so the two add up). Roll-ups written with
the old definition are dropped; the periodic roll-up writes them again, and
until then the dashboard and the API compute those months live."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("analytics", "MonthlyKpi").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_kpi_indexes")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
