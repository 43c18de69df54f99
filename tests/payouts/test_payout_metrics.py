"""/metrics counts payout attempts by outcome, from the attempt log."""

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families


def attempts_by_outcome() -> dict[str, float]:
    text = Client().get("/metrics").content.decode()
    return {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "refundportal_payout_attempts"
        for sample in family.samples
        if sample.name == "refundportal_payout_attempts_total"
    }


@pytest.mark.django_db
def test_payout_attempts_are_counted_by_outcome(approve_on_placed_order):
    assert attempts_by_outcome() == {
        "succeeded": 0,
        "retryable": 0,
        "declined": 0,
        "unknown": 0,
    }
    approve_on_placed_order([{"method": "alipay", "amount": "24.00", "account": "alipay:ok"}])
    approve_on_placed_order(
        [{"method": "alipay", "amount": "24.00", "account": "alipay:fail-once"}]
    )
    counted = attempts_by_outcome()
    assert counted["succeeded"] == 1
    assert counted["retryable"] == 1
