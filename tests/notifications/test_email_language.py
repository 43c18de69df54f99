"""A notification's e-mail speaks the language its reader chose (kept when
they log in or switch language); while it is not known, both languages."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from accounts.services import user_language_set
from notifications import presenters
from notifications.models import Notification
from refundportal import clock
from tests.conftest import client_as
from tests.refunds.support import delivered_order, english, file_refund, old_customer

pytestmark = pytest.mark.django_db

SEPARATOR = "\n\n----\n\n"
LINK = "http://portal.test/refunds/{pk}/"


@pytest.fixture(autouse=True)
def portal_base_url(settings: Any) -> None:
    settings.PORTAL_BASE_URL = "http://portal.test"


@pytest.fixture
def now(db: Any) -> Iterator[datetime]:
    at = timezone.now().replace(microsecond=0)
    with clock.frozen_at(at):
        yield at


def filed_by(customer: Any, now: Any, capture: Any) -> tuple[Any, Notification]:
    """The customer files a request for review: one ``refund_submitted``
    e-mail once the filing commits."""
    with capture(execute=True):
        response = file_refund(english(client_as(customer)), delivered_order(customer, now))
    assert response.status_code == 201, response.content
    assert len(mail.outbox) == 1
    return mail.outbox[0], Notification.objects.get(user=customer)


def test_an_english_reader_gets_an_english_email(now, django_capture_on_commit_callbacks):
    customer = old_customer(email="en@example.com")
    user_language_set(user=customer, language="en")

    email, note = filed_by(customer, now, django_capture_on_commit_callbacks)

    link = LINK.format(pk=note.link.split("/")[2])
    assert email.subject == presenters.title(note, "en")
    assert email.body == presenters.body(note, "en") + f"\n\nOpen it in the refund portal: {link}"
    assert email.subject != presenters.title(note, "zh-hans")
    assert SEPARATOR not in email.body


def test_a_chinese_reader_gets_a_chinese_email(now, django_capture_on_commit_callbacks):
    customer = old_customer(email="zh@example.com")
    user_language_set(user=customer, language="zh-CN")

    email, note = filed_by(customer, now, django_capture_on_commit_callbacks)

    assert email.subject == presenters.title(note, "zh-hans")
    assert email.body.startswith(presenters.body(note, "zh-hans") + "\n\n")
    assert presenters.title(note, "en") not in email.subject
    assert SEPARATOR not in email.body


def test_a_reader_of_unknown_language_gets_both(now, django_capture_on_commit_callbacks):
    customer = old_customer(email="both@example.com")

    email, note = filed_by(customer, now, django_capture_on_commit_callbacks)

    titles = [presenters.title(note, "zh-hans"), presenters.title(note, "en")]
    assert titles[0] != titles[1]
    assert email.subject == " / ".join(titles)
    link = LINK.format(pk=note.link.split("/")[2])
    chinese, english_part = email.body.split(SEPARATOR)
    assert chinese.startswith(presenters.body(note, "zh-hans") + "\n\n")
    assert link in chinese
    assert english_part == presenters.body(note, "en") + f"\n\nOpen it in the refund portal: {link}"


def test_the_latest_choice_counts(now, django_capture_on_commit_callbacks):
    customer = old_customer(email="switch@example.com")
    user_language_set(user=customer, language="zh-hans")
    user_language_set(user=customer, language="en")
    user_language_set(user=customer, language="fr")  # not spoken here: ignored

    email, note = filed_by(customer, now, django_capture_on_commit_callbacks)

    assert email.subject == presenters.title(note, "en")
