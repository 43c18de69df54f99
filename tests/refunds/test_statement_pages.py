"""The statement and disputes pages: the merchant's statement for a month
with its dispute form, and the senior agents' list of open disputes with
the resolve form. Both call the services the API calls."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from accounts import roles
from refundportal import clock
from refunds.models import Dispute, Liability
from tests.factories import UserFactory

from .statement_support import (
    damaged_request,
    hold_for_the_merchant,
    merchant_approves,
    merchant_user,
)
from .support import old_customer

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FILED = datetime(2026, 3, 5, 12, 0, tzinfo=SHANGHAI)
DECIDED = FILED + timedelta(minutes=20)


def browser_as(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def charge(db: Any) -> dict[str, Any]:
    with clock.frozen_at(FILED):
        hold_for_the_merchant()
        customer = old_customer(days=90)
        laowang = merchant_user()
        senior = UserFactory(role=roles.SENIOR_AGENT)
    refund = merchant_approves(damaged_request(customer, FILED), laowang, DECIDED, "15.50")
    return {"refund": refund, "laowang": laowang, "senior": senior}


def test_the_statement_page_shows_the_months_charges_and_a_dispute_form(charge):
    with clock.frozen_at(DECIDED + timedelta(days=1)):
        response = browser_as(charge["laowang"]).get("/merchant/statement/")
    text = response.content.decode()
    assert response.status_code == 200
    assert f'data-request="{charge["refund"].pk}"' in text
    assert "¥15.50" in text
    assert 'data-testid="dispute-button"' in text
    assert "/api/v1/merchant/statement/export/?month=2026-03" in text
    assert 'href="/merchant/statement/"' in text  # the header's link


def test_past_the_window_there_is_no_dispute_button(charge):
    with clock.frozen_at(DECIDED + timedelta(days=8)):
        text = browser_as(charge["laowang"]).get("/merchant/statement/?month=2026-03").content
    assert b'data-testid="dispute-button"' not in text
    assert b"\xc2\xa515.50" in text


def test_a_bad_month_shows_the_current_one_with_the_error(charge):
    with clock.frozen_at(DECIDED):
        response = browser_as(charge["laowang"]).get("/merchant/statement/?month=2026-3")
    assert response.status_code == 400
    assert b'data-testid="statement-error"' in response.content


def test_disputing_from_the_page_calls_the_service(charge):
    refund = charge["refund"]
    with clock.frozen_at(DECIDED + timedelta(days=1)):
        client = browser_as(charge["laowang"])
        empty = client.post(f"/merchant/statement/{refund.pk}/dispute/", {"note": ""})
        assert empty.status_code == 400
        sent = client.post(f"/merchant/statement/{refund.pk}/dispute/", {"note": "骑手洒的"})
        assert sent.status_code == 302
        assert sent["Location"] == "/merchant/statement/?month=2026-03"
        again = client.post(f"/merchant/statement/{refund.pk}/dispute/", {"note": "再来"})
        assert again.status_code == 409
    assert Dispute.objects.get(request=refund).note == "骑手洒的"


def test_other_roles_cannot_open_the_pages(charge):
    agent = browser_as(UserFactory(role=roles.AGENT))
    assert agent.get("/merchant/statement/").status_code == 403
    assert agent.get("/review/disputes/").status_code == 403
    assert browser_as(charge["laowang"]).get("/review/disputes/").status_code == 403


def test_a_senior_agent_moves_a_dispute_from_the_page(charge):
    refund = charge["refund"]
    with clock.frozen_at(DECIDED + timedelta(days=1)):
        browser_as(charge["laowang"]).post(
            f"/merchant/statement/{refund.pk}/dispute/", {"note": "骑手洒的"}
        )
        client = browser_as(charge["senior"])
        queue = client.get("/review/").content.decode()
        assert 'href="/review/disputes/"' in queue
        listed = client.get("/review/disputes/").content.decode()
        assert "骑手洒的" in listed and f'href="/review/{refund.pk}/"' in listed
        missing = client.post(
            f"/review/disputes/{refund.pk}/resolve/", {"decision": "move", "note": "x"}
        )
        assert missing.status_code == 400
        moved = client.post(
            f"/review/disputes/{refund.pk}/resolve/",
            {"decision": "move", "liability": "courier", "note": "骑手承认了"},
        )
    assert moved.status_code == 302
    refund.refresh_from_db()
    assert refund.liability == Liability.COURIER
    assert Dispute.objects.get(request=refund).resolution_note == "骑手承认了"


def test_agents_see_no_disputes_link_in_the_queue(charge):
    queue = browser_as(UserFactory(role=roles.AGENT)).get("/review/").content.decode()
    assert 'href="/review/disputes/"' not in queue
