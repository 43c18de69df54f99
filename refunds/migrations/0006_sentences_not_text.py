"""System sentences on the timeline become message ids with their facts,
rendered in the reader's language when read; automatic decisions keep only
their rule and numbers. Existing rows written as text in one language are
matched against both languages' wording and rewritten (on PostgreSQL with
the append-only trigger paused for this one migration)."""

import re

from django.db import migrations, models
from django.utils import translation
from django.utils.translation import gettext

TRIGGER = "refunds_timeline_append_only"

# (message id, the msgid it was written from, its placeholders' fact names)
SENTENCES = [
    ("refund.cancelled_by_customer", "Cancelled by the customer.", ()),
    ("refund.payouts_succeeded", "Every payout succeeded: the money is on its way back.", ()),
    ("refund.payout_failed", "A payout failed; finance has been alerted.", ()),
    ("refund.escalated", "Escalated: %(percent)s %% of the review time has passed.", ("percent",)),
    (
        "payout.rerouted",
        "Payout of %(amount)s rerouted to the platform balance: %(note)s",
        ("amount", "note"),
    ),
]


def _pattern(text: str) -> re.Pattern[str]:
    """A written sentence's wording as a regular expression, its
    placeholders as named groups."""
    parts = re.split(r"(%\(\w+\)s|%%)", text)
    out = []
    for part in parts:
        named = re.fullmatch(r"%\((\w+)\)s", part)
        if named:
            out.append(f"(?P<{named.group(1)}>.*?)")
        elif part == "%%":
            out.append("%")
        else:
            out.append(re.escape(part))
    return re.compile("^" + "".join(out) + "$", re.S)


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for message, msgid, _facts in SENTENCES:
        for language in ("zh-hans", "en"):
            with translation.override(language):
                found.append((message, _pattern(gettext(msgid))))
    return found


def _facts(message: str, match: re.Match[str]) -> dict:
    facts = match.groupdict()
    if message == "payout.rerouted":
        facts["amount"] = facts["amount"].lstrip("¥")
    if message == "refund.escalated":
        facts["percent"] = int(facts["percent"])
    return facts


def forwards(apps, schema_editor):
    TimelineEvent = apps.get_model("refunds", "TimelineEvent")
    RefundRequest = apps.get_model("refunds", "RefundRequest")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(f"ALTER TABLE refunds_timelineevent DISABLE TRIGGER {TRIGGER}")
    patterns = _patterns()
    # An automatic decision is told from its rule and numbers: its text goes.
    TimelineEvent.objects.exclude(rule="").exclude(note="").update(note="")
    RefundRequest.objects.filter(decision_source="auto").exclude(decision_note="").update(
        decision_note=""
    )
    for event in TimelineEvent.objects.filter(rule="", message="").exclude(note="").iterator():
        for message, pattern in patterns:
            match = pattern.match(event.note)
            if match:
                TimelineEvent.objects.filter(pk=event.pk).update(
                    message=message, facts=_facts(message, match), note=""
                )
                break
    if postgres:
        schema_editor.execute(f"ALTER TABLE refunds_timelineevent ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [
        ("refunds", "0005_fk_indexes_covered_by_composites"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelineevent",
            name="message",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
