"""The notifications in the admin: a read-only list of who got which event
when, and whether they read it, searchable by the recipient."""

import pytest

from notifications.models import Notification
from refundportal import clock
from tests.factories import UserFactory
from tests.refundportal.admin_support import admin_browser

pytestmark = pytest.mark.django_db

LIST = "/admin/notifications/notification/"


@pytest.fixture
def sent():
    with clock.frozen_at(clock.now().replace(microsecond=0)) as now:
        alice = UserFactory(username="alice_wang")
        bob = UserFactory(username="bob_li")
        read = Notification.objects.create(
            user=alice, event="refund_approved", created_at=now, read_at=now
        )
        unread = Notification.objects.create(user=bob, event="payout_failed", created_at=now)
        yield read, unread


def test_the_list_shows_recipient_event_read_state_and_time(sent):
    page = admin_browser().get(LIST)

    assert page.status_code == 200
    text = page.content.decode()
    assert "alice_wang" in text and "bob_li" in text
    assert "refund_approved" in text and "payout_failed" in text
    assert 'alt="True"' in text and 'alt="False"' in text  # read, unread
    for column in ("column-created_at", "column-user", "column-event", "column-is_read"):
        assert column in text


def test_the_list_shows_what_the_recipient_read_in_the_reader_s_language(sent):
    (read, _unread) = sent
    read.facts = {"request": {"approved_amount": "12.50"}}
    read.save()

    text = admin_browser(language="zh-hans").get(LIST).content.decode()

    assert "¥12.50 退款已批准" in text


def listed(page):
    assert page.status_code == 200
    return list(page.context["cl"].result_list)


def test_search_by_recipient_finds_only_their_notifications(sent):
    (read, _unread) = sent

    assert listed(admin_browser().get(LIST, {"q": "alice"})) == [read]


def test_the_unread_filter_keeps_the_unread_ones(sent):
    (_read, unread) = sent

    assert listed(admin_browser().get(LIST, {"read": "no"})) == [unread]


def test_a_notification_cannot_be_added_changed_or_deleted(sent):
    (read, _unread) = sent
    browser = admin_browser()

    assert browser.get(f"{LIST}{read.pk}/change/").status_code == 200
    assert browser.get(f"{LIST}add/").status_code == 403
    assert browser.post(f"{LIST}{read.pk}/change/", {"event": "x"}).status_code == 403
    assert browser.post(f"{LIST}{read.pk}/delete/", {"post": "yes"}).status_code == 403
    read.refresh_from_db()
    assert read.event == "refund_approved"
