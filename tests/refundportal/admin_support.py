"""Rows for the admin's tests: ``admin_rows(count)`` writes ``count`` rows
of every model the admin lists, each with its own related rows (a request
with its order and customer, a payout with its attempts and events), so
that a page showing more rows would show any query made per row."""

from datetime import timedelta
from decimal import Decimal
from itertools import count as counter
from typing import Any

from django.contrib.auth.models import Group
from django.test import Client
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from accounts import roles
from analytics.models import AnomalyAlert, AnomalyKind, MonthlyKpi
from audit import actions
from audit.services import audit_record
from notifications.models import Notification
from payouts.models import Payout, PayoutAttempt, PayoutEvent, SandboxLedgerEntry
from refundportal import clock
from refunds.models import (
    Appeal,
    Feedback,
    Message,
    RefundItem,
    RefundPolicy,
    TimelineEvent,
)
from tests.factories import (
    PASSWORD,
    EvidenceFactory,
    RefundRequestFactory,
    UserFactory,
    create_order,
)

_serial = counter(1)


def admin_browser(*, language: str = "en", **user: Any) -> Client:
    """A superuser (unless told otherwise) logged in to the admin."""
    person = UserFactory(role=roles.MANAGER, is_staff=True, **({"is_superuser": True} | user))
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert browser.login(username=person.username, password=PASSWORD)
    return browser


def refund_with_history(*, steps: int = 2) -> Any:
    """An order, a request on it with ``steps`` timeline events, messages,
    an item, a photo, an appeal and a rating, and a payout with ``steps``
    attempts and events."""
    serial = next(_serial)
    now = clock.now()
    customer = UserFactory(role=roles.CUSTOMER)
    agent = UserFactory(role=roles.AGENT)
    order = create_order(
        customer=customer,
        number=f"ADM-{serial:05d}",
        merchant={"code": f"ADM{serial:03d}", "name": f"店 {serial}"},
    )
    refund = RefundRequestFactory(order=order, status="approved", approved_amount="1.00")
    item = order.items.first()
    RefundItem.objects.create(
        request=refund,
        line=str(item.pk),
        item=item,
        name=item.name,
        quantity=1,
        gross=Decimal("1.00"),
        discount_share=Decimal("0.00"),
        amount=Decimal("1.00"),
    )
    for step in range(steps):
        TimelineEvent.objects.create(
            request=refund,
            at=now + timedelta(seconds=step),
            actor=agent,
            actor_role=roles.AGENT,
            from_status="pending_review",
            to_status="approved",
            note=f"step {step}",
        )
        Message.objects.create(
            request=refund, at=now, author=agent, author_role=roles.AGENT, body=f"note {step}"
        )
    EvidenceFactory(owner=customer, request=refund)
    Appeal.objects.create(request=refund, reason="重新考虑", rejected_by=agent, created_at=now)
    Feedback.objects.create(request=refund, rating=4, created_at=now)
    payout = Payout.objects.create(
        refund=refund,
        tender=order.tenders.first(),
        method="alipay",
        account="alipay:1",
        amount=Decimal("1.00"),
        status="failed",
        idempotency_key=f"adm-{serial}",
        attempts=steps,
        last_error="gateway timeout",
        next_attempt_at=now + timedelta(minutes=5),
        created_at=now,
        updated_at=now,
    )
    for step in range(steps):
        PayoutAttempt.objects.create(
            payout=payout, number=step + 1, started_at=now, outcome="retryable", error="timeout"
        )
        PayoutEvent.objects.create(
            payout=payout, at=now, actor=agent, actor_role=roles.FINANCE, to_status="failed"
        )
    SandboxLedgerEntry.objects.create(
        idempotency_key=f"adm-{serial}",
        method="alipay",
        account="alipay:1",
        amount=Decimal("1.00"),
        outcome="declined",
        at=now,
    )
    Notification.objects.create(user=customer, event="refund_approved", created_at=now)
    MonthlyKpi.objects.create(month=f"{2000 + serial}-01", computed_at=now)
    AnomalyAlert.objects.create(
        kind=AnomalyKind.REFUND_RATE_JUMP,
        merchant_code=f"ADM{serial:03d}",
        last_alerted_on=now.date(),
    )
    audit_record(
        action=actions.REFUND_CLAIMED,
        actor=agent,
        target_type="refund",
        target_id=refund.pk,
        facts={"refund": refund.pk},
        remote_address="127.0.0.1",
    )
    audit_record(
        action=actions.LOGIN_FAILED,
        target_type="user",
        facts={"username": customer.username, "channel": actions.CHANNEL_PAGE},
        remote_address="127.0.0.1",
    )
    Group.objects.create(name=f"group {serial}")
    interval = IntervalSchedule.objects.create(every=serial, period=IntervalSchedule.MINUTES)
    crontab = CrontabSchedule.objects.create(minute=str(serial % 60))
    SolarSchedule.objects.create(event="sunrise", latitude=serial, longitude=serial)
    ClockedSchedule.objects.create(clocked_time=now)
    PeriodicTask.objects.create(name=f"job {serial}", task="refundportal.ping", interval=interval)
    PeriodicTask.objects.create(name=f"cron {serial}", task="refundportal.ping", crontab=crontab)
    return refund


def admin_rows(count: int) -> list[Any]:
    RefundPolicy.current()
    return [refund_with_history() for _ in range(count)]
