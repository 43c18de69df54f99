"""Notifications keep their event's facts, not text in two languages: the
title and body are rendered in the reader's language when read. Existing
notifications about a request get their facts from that request; the few
others (managers' alerts) keep their two texts as written."""

import re

from django.db import migrations, models

REQUEST_IN_LINK = re.compile(r"/refunds/(\d+)/|[?&]refund=(\d+)|/review/(\d+)/")
NOTED = {"refund_approved", "refund_rejected", "refund_submitted", "refund_refunded"}


def _request_facts(refund) -> dict:
    return {
        "id": refund.pk,
        "number": refund.order.number,
        "requested_amount": str(refund.requested_amount),
        "approved_amount": None if refund.approved_amount is None else str(refund.approved_amount),
        "review_due_at": refund.review_due_at.isoformat() if refund.review_due_at else None,
    }


def _note(refund, timeline) -> dict | None:
    if refund.decision_source == "auto" and refund.decision_rule:
        first = timeline.filter(request=refund).order_by("at", "id").first()
        return {
            "id": "refund.decision",
            "facts": {
                "rule": refund.decision_rule,
                "outcome": first.to_status if first else refund.status,
                "facts": refund.decision_facts or {},
            },
        }
    if refund.decision_note:
        return {"text": refund.decision_note}
    return None


def forwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    RefundRequest = apps.get_model("refunds", "RefundRequest")
    TimelineEvent = apps.get_model("refunds", "TimelineEvent")
    for notification in Notification.objects.iterator():
        match = REQUEST_IN_LINK.search(notification.link or "")
        refund = None
        if match and notification.event.startswith(("refund_", "payout_")):
            pk = int(next(group for group in match.groups() if group))
            refund = RefundRequest.objects.select_related("order").filter(pk=pk).first()
        if refund is None:
            facts = {
                "legacy": {
                    "title_zh": notification.title_zh,
                    "title_en": notification.title_en,
                    "body_zh": notification.body_zh,
                    "body_en": notification.body_en,
                }
            }
        else:
            facts = {"request": _request_facts(refund), "hours": 24}
            if notification.event == "refund_refunded":
                facts["note"] = {"id": "refund.payouts_succeeded", "facts": {}}
            elif notification.event in NOTED:
                facts["note"] = _note(refund, TimelineEvent.objects)
        Notification.objects.filter(pk=notification.pk).update(facts=facts)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_fk_indexes_covered_by_composites"),
        ("refunds", "0006_sentences_not_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="facts",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(model_name="notification", name="body_en"),
        migrations.RemoveField(model_name="notification", name="body_zh"),
        migrations.RemoveField(model_name="notification", name="title_en"),
        migrations.RemoveField(model_name="notification", name="title_zh"),
    ]
