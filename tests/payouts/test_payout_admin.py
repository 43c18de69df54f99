"""Finance finds payouts in the admin by order number, customer, refund id
or the gateway's error, and narrows them by status, method and dates."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from payouts.models import Payout
from refundportal import clock
from tests.factories import PASSWORD
from tests.refundportal.admin_support import admin_browser, refund_with_history

pytestmark = pytest.mark.django_db

LIST = "/admin/payouts/payout/"


@pytest.fixture
def payouts():
    with clock.frozen_at(clock.now().replace(microsecond=0)):
        first = refund_with_history(steps=1).payouts.get()
        second = refund_with_history(steps=1).payouts.get()
    Payout.objects.filter(pk=second.pk).update(
        status="pending",
        method="wechat",
        last_error="card frozen by the issuer",
        next_attempt_at=None,
    )
    second.refresh_from_db()
    return first, second


def listed(query):
    page = admin_browser().get(LIST, query)
    assert page.status_code == 200, page.status_code
    return set(page.context["cl"].result_list)


@pytest.mark.parametrize(
    "term",
    [
        lambda p: p.refund.order.number,
        lambda p: p.refund.customer.username,
        lambda p: f"#{p.refund_id}",
        lambda p: "frozen by the issuer" if p.last_error.startswith("card") else "timeout",
    ],
    ids=["order number", "customer", "refund #id", "last error"],
)
def test_search_finds_the_payout_by(payouts, term):
    (first, second) = payouts

    assert listed({"q": term(second)}) == {second}
    assert listed({"q": term(first)}) == {first}


def test_a_bare_number_finds_the_refund_of_that_id_among_others(payouts):
    (first, second) = payouts

    assert second in listed({"q": str(second.refund_id)})
    assert first in listed({"q": str(first.refund_id)})


def test_a_search_for_words_that_are_no_id_lists_nothing_and_does_not_fail(payouts):
    assert listed({"q": "#abc 12x"}) == set()


def test_the_filters_narrow_by_status_method_and_the_next_attempt(payouts):
    (first, second) = payouts

    assert listed({"status__exact": "pending"}) == {second}
    assert listed({"method__exact": "alipay"}) == {first}
    assert listed({"next_attempt_at__isnull": "True"}) == {second}
    assert listed({"next_attempt_at__isnull": "False"}) == {first}


def test_the_date_filters_narrow_by_created_and_updated_dates(payouts):
    (first, second) = payouts
    day = timezone.localtime(first.created_at).replace(hour=0, minute=0, second=0)
    Payout.objects.filter(pk=second.pk).update(
        created_at=first.created_at - timedelta(days=3),
        updated_at=first.created_at - timedelta(days=3),
    )
    for field in ("created_at", "updated_at"):
        window = {f"{field}__gte": str(day), f"{field}__lt": str(day + timedelta(days=1))}
        assert listed(window) == {first}


def test_the_list_shows_what_finance_looks_for(payouts):
    (_first, second) = payouts
    text = admin_browser().get(LIST).content.decode()

    for column in ("order_number", "customer", "refund_number", "method", "amount_cny", "status"):
        assert f"column-{column}" in text
    for column in ("attempts", "short_error", "next_attempt_at", "created_at", "updated_at"):
        assert f"column-{column}" in text
    assert second.refund.order.number in text
    assert second.refund.customer.username in text
    assert "card frozen by the issuer" in text
    assert f'<td class="field-amount_cny">¥{second.amount}</td>' in text
    for parameter in ("status__exact", "method__exact", "next_attempt_at__gte", "created_at__gte"):
        assert parameter in text
    assert "updated_at__gte" in text


def test_a_finance_user_made_by_create_user_searches_payouts_in_the_admin(payouts):
    (first, _second) = payouts
    call_command("create_user", "kuaiji", "--role", "finance", "--password", PASSWORD)
    browser = Client()
    assert browser.login(username="kuaiji", password=PASSWORD)

    found = browser.get(LIST, {"q": first.refund.order.number})
    ledger = browser.get("/admin/payouts/sandboxledgerentry/")
    policy = browser.get("/admin/refunds/refundpolicy/")

    assert found.status_code == 200
    assert set(found.context["cl"].result_list) == {first}
    assert ledger.status_code == 200
    assert policy.status_code == 403
    assert browser.get(f"/admin/payouts/payout/{first.pk}/change/").status_code == 200
    assert browser.post(f"/admin/payouts/payout/{first.pk}/change/", {}).status_code == 403
