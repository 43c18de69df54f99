"""Requests approved before who pays was recorded get it now, by the same
default-by-cause rules filing and deciding apply (``refunds.liability``),
copied here so that this migration keeps meaning what it meant when the
rules change later. Only granted requests with no liability are written."""

from django.db import migrations

GRANTED = ("approved", "refunded", "payout_failed")
MERCHANT_REASONS = ("food_quality", "missing_items", "wrong_items", "damaged")
PLATFORM_RULES = ("R4", "R5")
MERCHANT_RULES = ("M1",)
AFTER_PICKUP = ("picked_up", "delivered")


def default_liability(reason, rule, source, order_status):
    if rule in PLATFORM_RULES:
        return "platform"
    if source == "merchant" or rule in MERCHANT_RULES:
        return "merchant"
    if reason in MERCHANT_REASONS:
        return "merchant"
    if reason == "late_delivery":
        return "courier"
    if reason == "not_delivered" and order_status in AFTER_PICKUP:
        return "courier"
    return "platform"


def forwards(apps, schema_editor):
    RefundRequest = apps.get_model("refunds", "RefundRequest")
    blank = (
        RefundRequest.objects.filter(status__in=GRANTED, liability="")
        .order_by("pk")
        .values_list("pk", "reason", "decision_rule", "decision_source", "order__status")
    )
    by_bearer = {}
    for pk, reason, rule, source, order_status in blank.iterator(chunk_size=2000):
        by_bearer.setdefault(default_liability(reason, rule, source, order_status), []).append(pk)
    for bearer, ids in by_bearer.items():
        for start in range(0, len(ids), 1000):
            RefundRequest.objects.filter(pk__in=ids[start : start + 1000], liability="").update(
                liability=bearer
            )


class Migration(migrations.Migration):
    dependencies = [("refunds", "0010_dispute")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
