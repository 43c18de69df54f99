"""A notification's e-mail carries a text part and an HTML part, both with
an absolute link (PORTAL_BASE_URL) to the request's page for the
recipient's role."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from accounts import roles
from accounts.services import user_language_set
from notifications import presenters
from notifications.models import Notification
from refundportal import clock
from tests.conftest import client_as
from tests.factories import UserFactory, create_order_at
from tests.refunds.support import delivered_order, english, file_refund, old_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def portal_base_url(settings: Any) -> None:
    settings.PORTAL_BASE_URL = "https://refunds.example.com"


@pytest.fixture
def now(db: Any) -> Iterator[datetime]:
    at = timezone.now().replace(microsecond=0)
    with clock.frozen_at(at):
        yield at


def html_of(email: Any) -> str:
    (html, mimetype), *_ = email.alternatives
    assert mimetype == "text/html"
    return str(html)


def test_the_customers_email_has_an_html_part_linking_to_their_request(
    now, django_capture_on_commit_callbacks
):
    customer = old_customer(email="en@example.com")
    user_language_set(user=customer, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        filed = file_refund(english(client_as(customer)), delivered_order(customer, now))
    assert filed.status_code == 201, filed.content
    (email,) = mail.outbox
    note = Notification.objects.get(user=customer)
    link = f"https://refunds.example.com/refunds/{filed.json()['id']}/"

    assert f"Open it in the refund portal: {link}" in email.body
    html = html_of(email)
    assert f'<a href="{link}">Open it in the refund portal</a>' in html
    assert presenters.title(note, "en") in html
    assert '<html lang="en">' in html


def test_a_merchants_email_links_to_the_merchants_page_in_their_language(
    now, django_capture_on_commit_callbacks
):
    customer = old_customer()
    merchant_user = UserFactory(role=roles.MERCHANT, email="shop@example.com")
    user_language_set(user=merchant_user, language="zh-hans")
    order = create_order_at(
        customer=customer, status="accepted", promised_at=now + timedelta(minutes=30)
    )
    order.merchant.members.add(merchant_user)
    with django_capture_on_commit_callbacks(execute=True):
        filed = client_as(customer).post(
            "/api/v1/refunds/",
            {"order": order.number, "reason": "changed_mind", "description": "不想要了"},
            format="json",
        )
    assert filed.status_code == 201, filed.content

    (email,) = [m for m in mail.outbox if m.to == ["shop@example.com"]]
    note = Notification.objects.get(user=merchant_user)
    link = f"https://refunds.example.com/merchant/refunds/{filed.json()['id']}/"
    assert email.subject == presenters.title(note, "zh-hans")
    assert link in email.body
    assert f'<a href="{link}">' in html_of(email)
    assert '<html lang="zh-hans">' in html_of(email)
    assert presenters.title(note, "en") not in html_of(email)


def test_a_reader_of_unknown_language_gets_both_in_the_html_part(
    now, django_capture_on_commit_callbacks
):
    customer = old_customer(email="both@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        filed = file_refund(client_as(customer), delivered_order(customer, now))
    assert filed.status_code == 201, filed.content
    (email,) = mail.outbox
    note = Notification.objects.get(user=customer)

    html = html_of(email)
    assert presenters.title(note, "zh-hans") in html
    assert presenters.title(note, "en") in html
    assert html.count("https://refunds.example.com/refunds/") == 2
