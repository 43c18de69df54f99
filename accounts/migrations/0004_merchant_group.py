"""Restaurant staff answer the refund requests on their own orders first."""

from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="merchant")


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="merchant").delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_preference")]
    operations = [migrations.RunPython(create_group, remove_group)]
