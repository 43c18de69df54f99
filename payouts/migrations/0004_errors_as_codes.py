"""The portal's own payout errors are stored as codes and shown in the
reader's language (``payouts.presenters``); rows written as English text
before get their code."""

from django.db import migrations

CODES = {
    "card declined": "declined",
    "gateway timeout": "gateway_timeout",
    "the sandbox gateway timed out": "gateway_timeout",
    "timeout": "gateway_timeout",
    "no answer; taken back by the sweep": "no_answer_swept",
    "no answer after the last attempt": "no_answer_final",
}


def forwards(apps, schema_editor):
    Payout = apps.get_model("payouts", "Payout")
    PayoutAttempt = apps.get_model("payouts", "PayoutAttempt")
    for text, code in CODES.items():
        Payout.objects.filter(last_error=text).update(last_error=code)
        PayoutAttempt.objects.filter(error=text).update(error=code)


class Migration(migrations.Migration):
    dependencies = [("payouts", "0003_fk_indexes_covered_by_composites")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
