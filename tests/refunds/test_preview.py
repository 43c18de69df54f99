"""POST /api/v1/refunds/preview/ side by side with POST /api/v1/refunds/:
over the whole policy table, the preview says what filing then does, and
stores nothing on the way."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from notifications.models import Notification
from payouts.models import Payout
from refunds.models import Evidence, RefundRequest, TimelineEvent
from tests.conftest import client_as
from tests.factories import UserFactory, one_item_order

from .support import (
    delivered_order,
    english,
    file_refund,
    old_customer,
    preview_refund,
    underway_order,
    upload_id,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Scenario:
    name: str
    # (now) -> (customer, order, body fields)
    given: Callable[[datetime], tuple[Any, Any, dict[str, Any]]]


def _placed(now: datetime) -> tuple[Any, Any, dict[str, Any]]:
    customer = UserFactory(role="customer")
    return customer, underway_order(customer, now, status="placed"), {"reason": "food_quality"}


def _nothing_left(now: datetime) -> tuple[Any, Any, dict[str, Any]]:
    customer, order, _ = _placed(now)
    assert file_refund(client_as(customer), order, reason="other").status_code == 201
    return customer, order, {"reason": "other"}


def _too_many_units(now: datetime) -> tuple[Any, Any, dict[str, Any]]:
    customer, order, _ = _placed(now)
    return customer, order, {"items": [{"item": order.items.get().pk, "quantity": 4}]}


def _window_closed(now: datetime) -> tuple[Any, Any, dict[str, Any]]:
    customer = old_customer()
    order = delivered_order(customer, now, ago=timedelta(hours=25))
    return customer, order, {"reason": "late_delivery"}


def _open_request(now: datetime) -> tuple[Any, Any, dict[str, Any]]:
    customer = old_customer()
    order = underway_order(customer, now, status="accepted")
    one = [{"item": order.items.get().pk, "quantity": 1}]
    assert file_refund(client_as(customer), order, reason="other", items=one).status_code == 201
    return customer, order, {"reason": "other", "items": one}


def _underway(status: str, promised_ago: timedelta, reason: str) -> Any:
    def given(now: datetime) -> tuple[Any, Any, dict[str, Any]]:
        customer = UserFactory(role="customer")
        order = underway_order(customer, now, status=status, promised_ago=promised_ago)
        return customer, order, {"reason": reason}

    return given


def _delivered(reason: str, *, late: timedelta = timedelta(0), new: bool = False, **kw: Any) -> Any:
    def given(now: datetime) -> tuple[Any, Any, dict[str, Any]]:
        customer = UserFactory(role="customer") if new else old_customer()
        order = delivered_order(customer, now, late=late, **kw)
        return customer, order, {"reason": reason}

    return given


def _with_photo(inner: Any, *, one_unit: bool = False) -> Any:
    def given(now: datetime) -> tuple[Any, Any, dict[str, Any]]:
        customer, order, fields = inner(now)
        fields = {**fields, "evidence": [upload_id(client_as(customer), seed=order.pk)]}
        if one_unit:
            fields["items"] = [{"item": order.items.get().pk, "quantity": 1}]
        return customer, order, fields

    return given


def _late_one_unit(now: datetime) -> tuple[Any, Any, dict[str, Any]]:
    customer, order, fields = _delivered("late_delivery", late=timedelta(minutes=45))(now)
    return customer, order, {**fields, "items": [{"item": order.items.get().pk, "quantity": 1}]}


SCENARIOS = [
    Scenario("R1-nothing-left", _nothing_left),
    Scenario("R1-too-many-units", _too_many_units),
    Scenario("R2-window-closed", _window_closed),
    Scenario("R3-request-open", _open_request),
    Scenario("R4-placed", _placed),
    Scenario("R5-cancelled", _underway("cancelled", timedelta(minutes=5), "other")),
    Scenario("R5-delivery-failed", _underway("delivery_failed", timedelta(0), "not_delivered")),
    Scenario("R6-not-delivered", _underway("picked_up", timedelta(minutes=40), "not_delivered")),
    Scenario("R7-too-early", _underway("accepted", timedelta(minutes=5), "not_delivered")),
    Scenario("R8-delivered", _delivered("not_delivered")),
    Scenario("R9-within-tolerance", _delivered("late_delivery", late=timedelta(minutes=14))),
    Scenario("R9-20-percent", _delivered("late_delivery", late=timedelta(minutes=15))),
    Scenario("R9-50-percent", _delivered("late_delivery", late=timedelta(minutes=30))),
    Scenario("R9-100-percent", _delivered("late_delivery", late=timedelta(minutes=60))),
    Scenario("R9-capped-by-items", _late_one_unit),
    Scenario("R9-held-by-risk", _delivered("late_delivery", late=timedelta(minutes=20), new=True)),
    Scenario("R10-no-photo", _delivered("damaged")),
    Scenario("R11-photo", _with_photo(_delivered("food_quality"))),
    Scenario("R11-photo-one-unit", _with_photo(_delivered("wrong_items"), one_unit=True)),
    Scenario("R11-held-by-risk", _with_photo(_delivered("missing_items", new=True))),
    Scenario("R12-above-limit", _with_photo(_delivered("food_quality", **one_item_order("30.01")))),
    Scenario("R13-changed-mind", _underway("accepted", timedelta(0), "changed_mind")),
    Scenario("R14-changed-mind", _delivered("changed_mind")),
    Scenario("R15-other", _delivered("other")),
]


def stored() -> dict[str, int]:
    return {
        "requests": RefundRequest.objects.count(),
        "timeline": TimelineEvent.objects.count(),
        "payouts": Payout.objects.count(),
        "notifications": Notification.objects.count(),
        "attached photos": Evidence.objects.filter(request__isnull=False).count(),
    }


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_preview_says_what_filing_then_does(now, scenario):
    customer, order, fields = scenario.given(now)
    client = english(client_as(customer))
    before = stored()

    preview = preview_refund(client, order, **fields)

    assert stored() == before, "a preview stores nothing"
    filing = file_refund(client, order, **fields)
    if preview.status_code != 200:
        assert filing.status_code == preview.status_code
        assert filing.json() == preview.json()
        assert stored() == before
        return
    assert filing.status_code == 201, filing.content
    seen, refund = preview.json(), filing.json()
    assert seen["outcome"] == refund["status"]
    assert seen["rule"] == refund["decision"]["rule"]
    expected = refund["approved_amount"] if refund["status"] == "approved" else None
    assert seen["amount"] == (expected or refund["requested_amount"])
    assert seen["message"] == refund["decision"]["note"]
    assert seen["breakdown"] == refund["breakdown"]


def test_the_table_covers_every_rule():
    rules = {scenario.name.split("-")[0] for scenario in SCENARIOS}
    assert rules == {f"R{n}" for n in range(1, 16)}


def test_a_preview_leaves_the_photo_free_for_the_request(now):
    customer = old_customer()
    client = client_as(customer)
    order = delivered_order(customer, now)
    photo = upload_id(client)

    preview = preview_refund(client, order, reason="damaged", evidence=[photo])
    preview_again = preview_refund(client, order, reason="damaged", evidence=[photo])

    assert preview.status_code == preview_again.status_code == 200
    assert Evidence.objects.get(pk=photo).request_id is None
    refund = file_refund(client, order, reason="damaged", evidence=[photo]).json()
    assert Evidence.objects.get(pk=photo).request_id == refund["id"]


def test_a_preview_of_a_rejection_shows_the_requested_amount(now):
    customer = old_customer()
    order = delivered_order(customer, now)

    body = preview_refund(english(client_as(customer)), order, reason="changed_mind").json()

    assert body["outcome"] == "rejected"
    assert body["rule"] == "R14"
    assert body["amount"] == "24.00"
    assert sum(float(line["amount"]) for line in body["breakdown"]) == pytest.approx(24.00)
