"""Staff actions and log-ins leave a trace in the audit: each recorded
action appears after the real action, through the API and the pages, with
who, when, from where, on what, and facts the sentence is rendered from."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles
from audit import actions, presenters
from audit.models import AuditEvent
from orders.services import order_event_add
from payouts.models import Payout
from payouts.states import PayoutStatus
from refundportal import clock
from refunds import services
from refunds.models import RefundRequest
from tests.conftest import client_as
from tests.factories import UserFactory, create_order

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def now(db: Any) -> Any:
    at = timezone.now().replace(microsecond=0)
    with clock.frozen_at(at):
        yield at


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def from_address(client: Any, address: str) -> Any:
    client.defaults["REMOTE_ADDR"] = address
    return client


def under_review() -> RefundRequest:
    customer = UserFactory(role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=30))
    order = create_order(customer=customer)
    order_event_add(order=order, status="accepted", at=order.placed_at + timedelta(minutes=5))
    return services.refund_file(
        customer=customer, order_number=order.number, reason="other"
    ).request


def failed_payout(capture: Any) -> Payout:
    customer = UserFactory(role=roles.CUSTOMER, date_joined=timezone.now() - timedelta(days=90))
    order = create_order(
        customer=customer,
        tenders=[{"method": "card", "amount": "24.00", "account": "card-decline-4000"}],
    )
    with capture(execute=True):
        services.refund_file(customer=customer, order_number=order.number, reason="other")
    payout = Payout.objects.get(refund__order=order)
    assert payout.status == PayoutStatus.FAILED
    return payout


# --- claims and takeovers ----------------------------------------------------------


def test_a_claim_and_a_takeover_through_the_api_are_recorded(now: datetime):
    refund = under_review()
    first = UserFactory(username="kefu_li", role=roles.AGENT)
    second = UserFactory(username="kefu_wang", role=roles.AGENT)
    url = f"/api/v1/refunds/{refund.pk}/claim/"

    assert from_address(client_as(first), "10.0.0.7").post(url).status_code == 200
    (claimed,) = events(actions.REFUND_CLAIMED)
    assert (claimed.actor, claimed.target_type, claimed.target_id) == (
        first,
        "refund",
        str(refund.pk),
    )
    assert (claimed.at, claimed.remote_address) == (now, "10.0.0.7")
    assert presenters.sentence_in("en", claimed) == f"kefu_li claimed request #{refund.pk}."

    # Renewing one's own live claim is no new fact.
    assert client_as(first).post(url).status_code == 200
    assert len(events(actions.REFUND_CLAIMED)) == 1

    with clock.frozen_at(now + timedelta(minutes=16)):
        assert client_as(second).post(url).status_code == 200
    (taken,) = events(actions.REFUND_TAKEN_OVER)
    assert taken.actor == second
    assert taken.facts == {"refund": refund.pk, "previous_assignee": "kefu_li"}
    assert presenters.sentence_in("en", taken) == (
        f"kefu_wang took over request #{refund.pk} from kefu_li."
    )


def test_a_refused_claim_leaves_no_trace(now: datetime):
    refund = under_review()
    holder = UserFactory(role=roles.AGENT)
    other = UserFactory(role=roles.AGENT)
    client_as(holder).post(f"/api/v1/refunds/{refund.pk}/claim/")
    refused = client_as(other).post(f"/api/v1/refunds/{refund.pk}/claim/")
    assert refused.status_code == 409
    assert AuditEvent.objects.filter(actor=other).count() == 0


def test_a_claim_on_the_review_page_is_recorded(now: datetime):
    refund = under_review()
    agent = UserFactory(username="kefu_zhao", role=roles.AGENT)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.0.0.8")
    browser.force_login(agent)
    response = browser.post(f"/review/{refund.pk}/", {"action": "claim"})
    assert response.status_code == 302
    (claimed,) = events(actions.REFUND_CLAIMED)
    assert (claimed.actor, claimed.remote_address) == (agent, "10.0.0.8")


# --- finance: retries, reroutes, exports --------------------------------------------


def test_a_payout_retry_through_the_api_is_recorded(django_capture_on_commit_callbacks):
    payout = failed_payout(django_capture_on_commit_callbacks)
    finance = UserFactory(username="finance_chen", role=roles.FINANCE)
    response = client_as(finance).post(f"/api/v1/payouts/{payout.pk}/retry/")
    assert response.status_code == 202
    (retried,) = events(actions.PAYOUT_RETRIED)
    assert (retried.actor, retried.target_type, retried.target_id) == (
        finance,
        "payout",
        str(payout.pk),
    )
    assert presenters.sentence_in("en", retried) == (
        f"finance_chen retried payout #{payout.pk} of request #{payout.refund_id}."
    )


def test_a_reroute_on_the_finance_page_is_recorded(django_capture_on_commit_callbacks):
    payout = failed_payout(django_capture_on_commit_callbacks)
    finance = UserFactory(username="finance_chen", role=roles.FINANCE)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.0.0.9")
    browser.force_login(finance)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/finance/payouts/{payout.pk}/reroute/", {"note": "卡被拒"})
    assert response.status_code == 302
    new = Payout.objects.get(rerouted_from=payout)
    (rerouted,) = events(actions.PAYOUT_REROUTED)
    assert (rerouted.actor, rerouted.remote_address) == (finance, "10.0.0.9")
    assert rerouted.facts == {
        "payout": payout.pk,
        "refund": payout.refund_id,
        "amount": "24.00",
        "new_payout": new.pk,
    }
    assert presenters.sentence_in("en", rerouted) == (
        f"finance_chen rerouted payout #{payout.pk} of request #{payout.refund_id} (¥24.00) "
        f"to the platform balance as payout #{new.pk}."
    )


def test_an_export_is_recorded_with_its_filters_and_rows(django_capture_on_commit_callbacks):
    failed_payout(django_capture_on_commit_callbacks)
    finance = UserFactory(username="finance_chen", role=roles.FINANCE)
    response = client_as(finance).get("/api/v1/payouts/export/?status=failed")
    assert response.status_code == 200
    (exported,) = events(actions.PAYOUTS_EXPORTED)
    assert exported.actor == finance
    assert exported.facts == {"rows": 1, "filters": {"status": "failed"}}
    assert presenters.sentence_in("en", exported) == (
        "finance_chen exported 1 payouts (filters: status=failed)."
    )


# --- log-ins ----------------------------------------------------------------------------


def test_log_ins_through_the_page_the_admin_and_the_api_are_recorded():
    user = UserFactory(username="zhang_mgr", role=roles.MANAGER, is_staff=True)
    user.set_password(PASSWORD)
    user.save()

    page = Client(REMOTE_ADDR="10.1.0.1").post(
        "/accounts/login/", {"username": "zhang_mgr", "password": PASSWORD}
    )
    admin = Client(REMOTE_ADDR="10.1.0.2").post(
        "/admin/login/", {"username": "zhang_mgr", "password": PASSWORD}
    )
    api = APIClient(REMOTE_ADDR="10.1.0.3").post(
        "/api/v1/auth/token/", {"username": "zhang_mgr", "password": PASSWORD}, format="json"
    )

    assert (page.status_code, admin.status_code, api.status_code) == (302, 302, 200)
    logged = events(actions.LOGGED_IN)
    assert [(e.actor, e.facts["channel"], e.remote_address) for e in logged] == [
        (user, "page", "10.1.0.1"),
        (user, "admin", "10.1.0.2"),
        (user, "api", "10.1.0.3"),
    ]
    assert presenters.sentence_in("en", logged[1]) == "zhang_mgr logged in through the admin."


def test_failed_log_ins_and_the_lock_out_are_recorded_once(settings):
    UserFactory(username="li_finance", role=roles.FINANCE)
    Client(REMOTE_ADDR="10.2.0.1").post(
        "/accounts/login/", {"username": "li_finance", "password": "wrong"}
    )
    api = APIClient(REMOTE_ADDR="10.2.0.2")
    statuses = [
        api.post(
            "/api/v1/auth/token/", {"username": "li_finance", "password": "wrong"}, format="json"
        ).status_code
        for _ in range(12)
    ]
    assert statuses == [400] * 10 + [429] * 2

    failed = events(actions.LOGIN_FAILED)
    assert [(e.actor, e.facts["channel"], e.remote_address) for e in failed] == [
        (None, "page", "10.2.0.1")
    ] + [(None, "api", "10.2.0.2")] * 10
    assert presenters.sentence_in("en", failed[0]) == (
        "A log-in as li_finance through the log-in page failed."
    )
    (locked,) = events(actions.LOCKED_OUT)
    assert locked.remote_address == "10.2.0.2"
    assert locked.facts == {"username": "li_finance", "limit": 10, "minutes": 15}
    assert presenters.sentence_in("en", locked) == (
        "Log-ins as li_finance from this address are refused for 15 minutes after 10 failures."
    )


def test_a_user_name_with_a_nul_character_is_recorded_without_it():
    response = APIClient(REMOTE_ADDR="10.3.0.1").post(
        "/api/v1/auth/token/", {"username": "li\x00finance", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    (failed,) = events(actions.LOGIN_FAILED)
    assert failed.facts["username"] == "lifinance"
