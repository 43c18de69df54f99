"""Every periodic job runs in both places: ``manage.py tick`` (the registry)
and Celery beat (its schedule), under the same name; and ``tick --at``
does a job's work once, as if the clock read that time."""

from datetime import datetime, timedelta
from io import StringIO

from celery import current_app
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from accounts import roles
from notifications.models import Notification
from payouts.models import Payout, PayoutAttempt, SandboxLedgerEntry
from refundportal import clock, periodic
from refunds.models import RefundRequest, TimelineEvent
from tests.conftest import client_as
from tests.factories import UserFactory, create_order_at


def test_beat_schedules_every_job_tick_runs(settings):
    registered = {name.replace("_", "-") for name in periodic.jobs()}
    assert set(settings.CELERY_BEAT_SCHEDULE) == registered


def test_every_beat_entry_names_a_registered_task(settings):
    current_app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in current_app.tasks, entry["task"]


# --- manage.py tick --at: the merchant's silence ----------------------------------


def tick(at: datetime) -> str:
    out = StringIO()
    call_command("tick", "--at", at.isoformat(), stdout=out)
    return out.getvalue()


def what_changed(refund: RefundRequest) -> tuple[object, ...]:
    """Everything a tick could change about one request and its money."""
    refund.refresh_from_db()
    payouts = Payout.objects.filter(refund=refund)
    keys = list(payouts.values_list("idempotency_key", flat=True))
    return (
        refund.status,
        refund.decided_at,
        refund.updated_at,
        list(payouts.order_by("pk").values_list("pk", "amount", "status", "attempts")),
        PayoutAttempt.objects.filter(payout__refund=refund).count(),
        list(
            SandboxLedgerEntry.objects.filter(idempotency_key__in=keys)
            .order_by("pk")
            .values_list("pk", "outcome")
        ),
        TimelineEvent.objects.filter(request=refund).count(),
        Notification.objects.count(),
    )


def test_tick_approves_a_request_its_merchant_left_unanswered_once(transactional_db):
    start = timezone.now().replace(microsecond=0)
    with clock.frozen_at(start):
        customer = UserFactory(role=roles.CUSTOMER, date_joined=start - timedelta(days=30))
        order = create_order_at(
            customer=customer, status="accepted", promised_at=start + timedelta(minutes=30)
        )
        order.merchant.members.add(UserFactory(role=roles.MERCHANT))
        filed = client_as(customer).post(
            "/api/v1/refunds/",
            {"order": order.number, "reason": "changed_mind", "description": "不想要了"},
            format="json",
        )
    assert filed.status_code == 201, filed.content
    refund = RefundRequest.objects.get(pk=filed.json()["id"])
    assert refund.status == "awaiting_merchant"

    early = tick(start + timedelta(minutes=29))
    assert "merchant_answer_timeout: {'approved': 0, 'held': 0}" in early
    assert RefundRequest.objects.get(pk=refund.pk).status == "awaiting_merchant"

    later = start + timedelta(minutes=31)
    assert "merchant_answer_timeout: {'approved': 1, 'held': 0}" in tick(later)
    refund.refresh_from_db()
    assert refund.status == "refunded"
    assert (refund.decision_source, refund.decision_rule, refund.liability) == (
        "auto",
        "M1",
        "merchant",
    )
    assert refund.decided_at == later
    assert refund.approved_amount == refund.requested_amount
    payouts = Payout.objects.filter(refund=refund)
    assert payouts.aggregate(total=Sum("amount"))["total"] == refund.approved_amount
    assert set(payouts.values_list("status", flat=True)) == {"succeeded"}
    keys = list(payouts.values_list("idempotency_key", flat=True))
    paid = SandboxLedgerEntry.objects.filter(idempotency_key__in=keys, outcome="succeeded")
    assert paid.count() == len(keys)
    assert paid.aggregate(total=Sum("amount"))["total"] == refund.approved_amount
    settled = what_changed(refund)

    # A second tick at the same time finds nothing left to do.
    assert "merchant_answer_timeout: {'approved': 0, 'held': 0}" in tick(later)
    assert what_changed(refund) == settled
