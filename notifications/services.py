"""One notify service: an in-app notification and an e-mail (both
languages) for every event a user cares about, sent after the commit."""

import logging
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from refundportal import clock, sqlrows
from refundportal.tasking import enqueue_on_commit

from .models import Notification
from .sms import sms_backend
from .tasks import send_email

logger = logging.getLogger(__name__)


def _render(event: str, part: str, language: str, context: dict[str, Any]) -> str:
    with translation.override(language):
        return render_to_string(f"notifications/{part}/{event}.txt", context).strip()


def notify(*, user: Any, event: str, context: dict[str, Any], link: str = "") -> Notification:
    """Write the in-app notification now (in the caller's transaction) and
    send the e-mail and SMS once that transaction commits."""
    texts = {
        f"{part}_{short}": _render(event, part, language, context)
        for part in ("title", "body")
        for short, language in (("zh", "zh-hans"), ("en", "en"))
    }
    (notification,) = sqlrows.insert(
        [Notification(user=user, event=event, link=link, created_at=clock.now(), **texts)]
    )
    if user.email:
        subject = f"{texts['title_zh']} / {texts['title_en']}"
        message = f"{texts['body_zh']}\n\n----\n\n{texts['body_en']}"
        enqueue_on_commit(send_email, user.email, subject, message)
    phone = getattr(user, "phone", "")
    if phone:
        transaction.on_commit(lambda: sms_backend().send(phone, texts["title_zh"]))
    return notification


def notification_mark_read(*, user: Any, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=clock.now())


def notify_role(*, role: str, event: str, context: dict[str, Any], link: str = "") -> int:
    """Notify every active user holding ``role`` (superusers excluded: they
    would get every alert of every role)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(groups__name=role, is_active=True).distinct()
    count = 0
    for user in users:
        notify(user=user, event=event, context=context, link=link)
        count += 1
    return count
