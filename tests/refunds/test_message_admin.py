"""The conversations in the admin: listed for reading, never added to,
changed or deleted there; a long list takes as many queries as a short one."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import roles
from refunds import services
from refunds.models import Message, RefundPolicy, RefundRequest
from tests.conftest import client_as
from tests.factories import PASSWORD, UserFactory

from .support import delivered_order, english, file_refund, old_customer

pytestmark = pytest.mark.django_db

LIST = "/admin/refunds/message/"


@pytest.fixture
def manager_browser(now: Any) -> Client:
    manager = UserFactory(role=roles.MANAGER, is_staff=True)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert browser.login(username=manager.username, password=PASSWORD)
    return browser


def conversations(now: Any, count: int) -> list[Message]:
    agent = UserFactory(role=roles.AGENT)
    messages = []
    for index in range(count):
        customer = old_customer()
        response = file_refund(
            english(client_as(customer)), delivered_order(customer, now), reason="other"
        )
        assert response.status_code == 201, response.content
        refund = RefundRequest.objects.get(pk=response.json()["id"])
        messages.append(
            services.refund_message_post(
                refund=refund, author=customer, body=f"Message {index}: " + "汤洒了 " * 30
            )
        )
        messages.append(
            services.refund_message_post(refund=refund, author=agent, body="Checking now.")
        )
    return messages


def test_the_list_shows_request_time_role_author_and_a_short_body(now, manager_browser):
    (first, answer) = conversations(now, 1)

    page = manager_browser.get(LIST)

    assert page.status_code == 200
    text = page.content.decode()
    assert first.request.order.number in text
    assert first.author.username in text
    assert answer.author.username in text
    assert "customer" in text and "agent" in text
    assert "Message 0: 汤洒了" in text
    assert first.body not in text  # shortened


def list_queries(browser: Client, page: str = LIST) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(page).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("page", [LIST, "/admin/refunds/timelineevent/"])
def test_the_list_takes_the_same_queries_for_more_rows(now, manager_browser, page):
    conversations(now, 1)
    few = list_queries(manager_browser, page)
    conversations(now, 4)

    assert list_queries(manager_browser, page) == few


def test_a_message_cannot_be_added_changed_or_deleted_in_the_admin(now):
    (message, _answer) = conversations(now, 1)
    superuser = UserFactory(role=roles.MANAGER, is_superuser=True, is_staff=True)
    browser = Client()
    assert browser.login(username=superuser.username, password=PASSWORD)

    assert browser.get(f"{LIST}{message.pk}/change/").status_code == 200  # read
    assert browser.get(f"{LIST}add/").status_code == 403
    change = browser.post(f"{LIST}{message.pk}/change/", {"body": "edited"})
    delete = browser.post(f"{LIST}{message.pk}/delete/", {"post": "yes"})

    assert change.status_code in (302, 403)
    assert delete.status_code == 403
    message.refresh_from_db()
    assert message.body != "edited"


def test_the_policy_admin_shows_the_conversation_fields(now, manager_browser):
    RefundPolicy.current()
    page = manager_browser.get("/admin/refunds/refundpolicy/1/change/")
    text = page.content.decode()
    assert 'name="customer_reply_hours"' in text
    assert 'name="nudge_interval_minutes"' in text
