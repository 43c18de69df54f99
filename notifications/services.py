"""One notify service: an in-app notification and an e-mail for every
event a user cares about, sent after the commit. The e-mail speaks the
language the user reads the portal in (kept when they log in or switch
language); for a user whose language is not known yet, both languages.

What is stored is the event and its facts (JSON); the words are rendered in
the reader's language when read (``notifications.presenters``)."""

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from refundportal import clock
from refundportal.tasking import enqueue_on_commit

from .emails import email_for
from .models import Notification
from .presenters import render_part
from .sms import sms_backend
from .tasks import send_email

logger = logging.getLogger(__name__)


def notify(*, user: Any, event: str, facts: dict[str, Any], link: str = "") -> Notification:
    """Write the in-app notification now (in the caller's transaction) and
    send the e-mail and SMS once that transaction commits."""
    # The e-mail's words first: every read before the writes.
    email = email_for(user, event, facts, link) if user.email else None
    notification = Notification.objects.create(
        user=user, event=event, facts=facts, link=link, created_at=clock.now()
    )
    if email is not None:
        enqueue_on_commit(send_email, user.email, email.subject, email.text, email.html)
    phone = getattr(user, "phone", "")
    if phone:
        text = render_part(event, "title", facts, "zh-hans")
        transaction.on_commit(lambda: sms_backend().send(phone, text))
    return notification


def notification_mark_read(*, user: Any, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=clock.now())


def notify_role(*, role: str, event: str, facts: dict[str, Any], link: str = "") -> int:
    """Notify every active user holding ``role`` (superusers excluded: they
    would get every alert of every role)."""
    users = get_user_model().objects.filter(groups__name=role, is_active=True).distinct()
    count = 0
    for user in users:
        notify(user=user, event=event, facts=facts, link=link)
        count += 1
    return count
