"""Disputes of who pays (SPEC 12): a merchant disputes a charge once,
within 7 days of the decision; a senior agent confirms it or moves it to the
courier or the platform with a note the merchant reads. The customer's
refund and its payouts are never touched."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from accounts import roles
from notifications.models import Notification
from payouts.models import Payout
from refundportal import clock
from refunds.models import Dispute, Liability, RefundItem, RefundRequest
from tests.conftest import client_as
from tests.factories import UserFactory

from .statement_support import (
    damaged_request,
    hold_for_the_merchant,
    merchant_approves,
    merchant_user,
    pay,
)
from .support import english, old_customer, refund_url

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FILED = datetime(2026, 3, 5, 12, 0, tzinfo=SHANGHAI)
DECIDED = FILED + timedelta(minutes=20)
DISPUTES = "/api/v1/disputes/"


@pytest.fixture
def charge(db: Any) -> dict[str, Any]:
    with clock.frozen_at(FILED):
        hold_for_the_merchant()
        customer = old_customer(days=90)
        laowang = merchant_user()
        senior = UserFactory(role=roles.SENIOR_AGENT)
    refund = merchant_approves(damaged_request(customer, FILED), laowang, DECIDED, "15.50")
    pay(refund, DECIDED)
    return {"refund": refund, "laowang": laowang, "senior": senior, "customer": customer}


def dispute(user: Any, refund: RefundRequest, at: datetime, note: str = "骑手洒的") -> Any:
    with clock.frozen_at(at):
        return english(client_as(user)).post(
            refund_url(refund.pk, "dispute"), {"note": note}, format="json"
        )


def resolve(user: Any, refund: RefundRequest, at: datetime, **body: Any) -> Any:
    with clock.frozen_at(at):
        return english(client_as(user)).post(
            refund_url(refund.pk, "dispute/resolve"), body, format="json"
        )


def money_of(refund: RefundRequest) -> tuple[Any, ...]:
    refund.refresh_from_db()
    return (
        refund.status,
        refund.requested_amount,
        refund.approved_amount,
        list(RefundItem.objects.filter(request=refund).values_list("approved_amount", flat=True)),
        list(
            Payout.objects.filter(refund=refund)
            .order_by("pk")
            .values_list("amount", "status", "attempts", "closed", "succeeded_at")
        ),
    )


def test_a_merchant_disputes_a_charge_and_senior_agents_are_told(charge):
    response = dispute(charge["laowang"], charge["refund"], DECIDED + timedelta(days=2))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["request"] == charge["refund"].pk
    assert body["note"] == "骑手洒的"
    assert body["liability"] == "merchant"
    assert body["resolution"] == "" and body["resolved_at"] is None
    told = Notification.objects.get(user=charge["senior"], event="dispute_opened")
    assert told.link == "/review/disputes/"


def test_a_charge_can_be_disputed_within_seven_days_only(charge):
    late = dispute(charge["laowang"], charge["refund"], DECIDED + timedelta(days=7, seconds=1))
    assert late.status_code == 409
    assert late.json()["code"] == "conflict"
    assert "7 days" in late.json()["detail"]
    assert not Dispute.objects.exists()

    in_time = dispute(charge["laowang"], charge["refund"], DECIDED + timedelta(days=7))
    assert in_time.status_code == 201


def test_a_charge_is_disputed_once(charge):
    assert dispute(charge["laowang"], charge["refund"], DECIDED).status_code == 201
    again = dispute(charge["laowang"], charge["refund"], DECIDED + timedelta(hours=1), "再说一次")
    assert again.status_code == 409
    assert Dispute.objects.get().note == "骑手洒的"


def test_only_a_merchant_borne_refund_can_be_disputed(charge):
    RefundRequest.objects.filter(pk=charge["refund"].pk).update(liability=Liability.PLATFORM)
    response = dispute(charge["laowang"], charge["refund"], DECIDED)
    assert response.status_code == 409


def test_another_merchants_user_gets_404(charge):
    stranger = merchant_user("M009", "别家店")
    response = dispute(stranger, charge["refund"], DECIDED)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_dispute_needs_a_note(charge):
    response = dispute(charge["laowang"], charge["refund"], DECIDED, note="   ")
    assert response.status_code == 400
    assert "note" in response.json()["fields"]


def test_moving_a_charge_changes_who_pays_and_nothing_else(charge):
    refund = charge["refund"]
    before = money_of(refund)
    assert dispute(charge["laowang"], refund, DECIDED).status_code == 201

    response = resolve(
        charge["senior"],
        refund,
        DECIDED + timedelta(days=1),
        decision="move",
        liability="courier",
        note="骑手确认洒了",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["resolution"] == "moved"
    assert body["new_liability"] == "courier"
    assert body["liability"] == "courier"
    assert body["resolution_note"] == "骑手确认洒了"
    assert body["resolved_by"] == charge["senior"].get_username()
    refund.refresh_from_db()
    assert refund.liability == Liability.COURIER
    assert money_of(refund) == before  # the customer's refund and payouts as they were
    told = Notification.objects.get(user=charge["laowang"], event="dispute_resolved")
    assert told.facts["note"] == {"text": "骑手确认洒了"}
    assert told.link == "/merchant/statement/?month=2026-03"
    # The charge is off the statement.
    with clock.frozen_at(DECIDED + timedelta(days=2)):
        statement = client_as(charge["laowang"]).get(
            "/api/v1/merchant/statement/", {"month": "2026-03"}
        )
    assert statement.json()["count"] == 0


def test_confirming_keeps_the_charge_with_the_merchant(charge):
    refund = charge["refund"]
    before = money_of(refund)
    assert dispute(charge["laowang"], refund, DECIDED).status_code == 201

    response = resolve(
        charge["senior"], refund, DECIDED + timedelta(days=1), decision="confirm", note="照片清楚"
    )

    assert response.status_code == 200
    assert response.json()["resolution"] == "confirmed"
    refund.refresh_from_db()
    assert refund.liability == Liability.MERCHANT
    assert money_of(refund) == before
    with clock.frozen_at(DECIDED + timedelta(days=2)):
        rows = (
            client_as(charge["laowang"])
            .get("/api/v1/merchant/statement/", {"month": "2026-03"})
            .json()["rows"]
        )
    assert rows[0]["dispute_state"] == "confirmed"
    assert rows[0]["dispute"]["resolution_note"] == "照片清楚"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "move", "note": "x"}, "liability"),
        ({"decision": "move", "liability": "merchant", "note": "x"}, "liability"),
        ({"decision": "confirm"}, "note"),
        ({"decision": "confirm", "note": "  "}, "note"),
        ({"decision": "drop", "note": "x"}, "decision"),
    ],
)
def test_a_resolution_needs_a_note_and_a_new_bearer_to_move(charge, body, field):
    assert dispute(charge["laowang"], charge["refund"], DECIDED).status_code == 201
    response = resolve(charge["senior"], charge["refund"], DECIDED, **body)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Dispute.objects.get().resolved_at is None


def test_a_dispute_is_resolved_once_and_only_when_there_is_one(charge):
    refund = charge["refund"]
    nothing = resolve(charge["senior"], refund, DECIDED, decision="confirm", note="x")
    assert nothing.status_code == 409
    assert dispute(charge["laowang"], refund, DECIDED).status_code == 201
    assert (
        resolve(charge["senior"], refund, DECIDED, decision="confirm", note="x").status_code == 200
    )
    again = resolve(
        charge["senior"], refund, DECIDED, decision="move", liability="platform", note="y"
    )
    assert again.status_code == 409
    refund.refresh_from_db()
    assert refund.liability == Liability.MERCHANT


def test_agents_cannot_resolve(charge):
    assert dispute(charge["laowang"], charge["refund"], DECIDED).status_code == 201
    agent = UserFactory(role=roles.AGENT)
    response = resolve(agent, charge["refund"], DECIDED, decision="confirm", note="x")
    assert response.status_code == 403


def test_senior_agents_list_open_disputes(charge, django_assert_max_num_queries):
    assert dispute(charge["laowang"], charge["refund"], DECIDED).status_code == 201
    client = english(client_as(charge["senior"]))

    with django_assert_max_num_queries(6):
        listed = client.get(DISPUTES, {"open": "true"}).json()
    assert listed["count"] == 1
    row = listed["results"][0]
    assert row["request"] == charge["refund"].pk
    assert row["merchant"] == "M001"
    assert row["amount"] == "15.50"
    assert row["note"] == "骑手洒的"

    resolve(charge["senior"], charge["refund"], DECIDED, decision="confirm", note="x")
    assert client.get(DISPUTES, {"open": "true"}).json()["count"] == 0
    assert client.get(DISPUTES, {"open": "false"}).json()["count"] == 1
    assert client.get(DISPUTES).json()["count"] == 1
