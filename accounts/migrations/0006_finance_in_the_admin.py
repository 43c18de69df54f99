from django.db import migrations


def finance_is_staff(apps, schema_editor):
    """Finance searches payouts in the admin: existing finance users get the
    staff status that create_user now gives them."""
    User = apps.get_model("auth", "User")
    User.objects.filter(groups__name="finance").update(is_staff=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_verbose_names"),
    ]

    operations = [
        migrations.RunPython(finance_is_staff, migrations.RunPython.noop),
    ]
