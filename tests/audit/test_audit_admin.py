"""The audit is read in the admin, in the reader's language, and never
edited: no add, change or delete there, and on PostgreSQL the database
itself refuses to change or delete a row."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils.html import escape

from accounts import roles
from audit import actions, presenters
from audit.models import AuditEvent
from audit.services import audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/audit/auditevent/"


@pytest.fixture
def claimed() -> AuditEvent:
    agent = UserFactory(username="kefu_li", role=roles.AGENT)
    event = audit_record(
        action=actions.REFUND_CLAIMED,
        actor=agent,
        target_type="refund",
        target_id=42,
        facts={"refund": 42},
        remote_address="10.0.0.7",
    )
    assert event is not None
    return event


def admin_browser(language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_admin_lists_events_in_the_readers_language(claimed, language):
    page = admin_browser(language).get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert escape(presenters.sentence_in(language, claimed)) in html
    assert "10.0.0.7" in html
    assert f'href="{LIST}add/"' not in html
    # What is stored is the action and its facts, never a sentence.
    assert claimed.facts == {"refund": 42}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_event_opens_read_only_and_cannot_be_deleted(claimed, language):
    browser = admin_browser(language)
    opened = browser.get(f"{LIST}{claimed.pk}/change/")
    assert opened.status_code == 200
    html = opened.content.decode()
    assert escape(presenters.sentence_in(language, claimed)) in html
    assert 'name="_save"' not in html
    assert browser.post(f"{LIST}{claimed.pk}/change/", {"action": "x"}).status_code == 403
    assert browser.post(f"{LIST}{claimed.pk}/delete/", {"post": "yes"}).status_code == 403
    assert browser.get(f"{LIST}add/").status_code == 403
    claimed.refresh_from_db()
    assert claimed.action == actions.REFUND_CLAIMED


@pytest.mark.postgres
def test_postgresql_itself_refuses_to_edit_or_delete_an_event(claimed):
    for sql in (
        "UPDATE audit_auditevent SET action = 'edited' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [claimed.pk])
    assert AuditEvent.objects.get(pk=claimed.pk).action == actions.REFUND_CLAIMED
