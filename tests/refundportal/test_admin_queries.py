"""Every list and change page of the admin takes as many queries for many
rows as for one: no query per row, nor per inline row."""

from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from refundportal import clock

from .admin_support import admin_browser, admin_rows, refund_with_history

pytestmark = pytest.mark.django_db

# What a page may take at most, whatever the rows: the session and user,
# the permission checks, the count, the rows with what they show, filters.
LIST_CEILING = 20
CHANGE_CEILING = 25


def changelists() -> list[str]:
    return sorted(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    )


def queries_of(browser: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        page = browser.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return len(queries.captured_queries)


@pytest.fixture
def frozen(db: Any) -> Any:
    with clock.frozen_at(clock.now().replace(microsecond=0)) as at:
        yield at


def test_every_admin_list_takes_the_same_queries_for_six_rows_as_for_one(
    frozen, django_assert_max_num_queries
):
    browser = admin_browser()
    admin_rows(1)
    few = {url: queries_of(browser, url) for url in changelists()}
    admin_rows(5)

    many = {}
    for url in changelists():
        with django_assert_max_num_queries(LIST_CEILING):
            many[url] = queries_of(browser, url)

    assert {url: n for url, n in many.items() if n != few[url]} == {}


@pytest.mark.parametrize(
    "change_url",
    [
        lambda refund: reverse("admin:refunds_refundrequest_change", args=[refund.pk]),
        lambda refund: reverse("admin:orders_order_change", args=[refund.order_id]),
        lambda refund: reverse("admin:payouts_payout_change", args=[refund.payouts.get().pk]),
    ],
    ids=["refund request", "order", "payout"],
)
def test_a_change_page_takes_the_same_queries_for_six_inline_rows_as_for_one(
    frozen, django_assert_max_num_queries, change_url
):
    browser = admin_browser()
    short = refund_with_history(steps=1)
    long = refund_with_history(steps=6)
    queries_of(browser, change_url(short))  # the content types cached, as on a live site
    few = queries_of(browser, change_url(short))

    with django_assert_max_num_queries(CHANGE_CEILING):
        many = queries_of(browser, change_url(long))

    assert many == few


def test_every_change_page_stays_under_the_ceiling(frozen, django_assert_max_num_queries):
    browser = admin_browser()
    admin_rows(1)
    for model in admin.site._registry:
        row = model._default_manager.first()
        assert row is not None, model
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.pk]
        )
        with django_assert_max_num_queries(CHANGE_CEILING):
            queries_of(browser, url)
