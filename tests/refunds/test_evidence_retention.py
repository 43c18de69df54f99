"""The retention job: photos never attached to a request go after a day,
photos of a closed request after ``EVIDENCE_RETENTION_DAYS`` from its last
change; it runs in ``tick`` and in Celery beat, and ``purge_evidence
--dry-run`` counts without deleting."""

from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from refundportal import periodic
from refunds import services
from refunds.evidence import process_photo
from refunds.models import Evidence, RefundRequest
from refunds.services import evidence_purge
from refunds.states import RefundStatus
from refunds.tasks import evidence_purge_task
from tests.factories import photo_upload

from .support import delivered_order
from .test_pages import file_request

pytestmark = pytest.mark.django_db


def photo(customer: Any, *, age: timedelta, now: datetime, seed: int = 1) -> Evidence:
    upload = photo_upload(seed)
    evidence = services.evidence_store(owner=customer, photo=process_photo(upload, upload.size))
    Evidence.objects.filter(pk=evidence.pk).update(created_at=now - age)
    return evidence


def request_with_photo(
    customer: Any, now: datetime, *, status: str, changed_ago: timedelta, seed: int
) -> Evidence:
    """A request in ``status`` last changed (and decided) ``changed_ago``,
    holding one photo uploaded just before it was filed."""
    evidence = photo(customer, age=changed_ago + timedelta(hours=1), now=now, seed=seed)
    refund = file_request(
        customer, delivered_order(customer, now), reason="damaged", evidence_ids=[evidence.pk]
    )
    RefundRequest.objects.filter(pk=refund.pk).update(
        status=status, updated_at=now - changed_ago, decided_at=now - changed_ago
    )
    return evidence


def exists(evidence: Evidence) -> bool:
    return Evidence.objects.filter(pk=evidence.pk).exists() and Path(evidence.file.path).exists()


@pytest.fixture
def photos(now, veteran) -> dict[str, Evidence]:
    return {
        "unattached_25h": photo(veteran, age=timedelta(hours=25), now=now, seed=1),
        "unattached_23h": photo(veteran, age=timedelta(hours=23), now=now, seed=2),
        "refunded_181d": request_with_photo(
            veteran, now, status=RefundStatus.REFUNDED, changed_ago=timedelta(days=181), seed=3
        ),
        "rejected_181d": request_with_photo(
            veteran, now, status=RefundStatus.REJECTED, changed_ago=timedelta(days=181), seed=4
        ),
        "cancelled_181d": request_with_photo(
            veteran, now, status=RefundStatus.CANCELLED, changed_ago=timedelta(days=181), seed=5
        ),
        "refunded_179d": request_with_photo(
            veteran, now, status=RefundStatus.REFUNDED, changed_ago=timedelta(days=179), seed=6
        ),
        "pending_400d": request_with_photo(
            veteran,
            now,
            status=RefundStatus.PENDING_REVIEW,
            changed_ago=timedelta(days=400),
            seed=7,
        ),
        "payout_failed_400d": request_with_photo(
            veteran,
            now,
            status=RefundStatus.PAYOUT_FAILED,
            changed_ago=timedelta(days=400),
            seed=8,
        ),
    }


GONE = {"unattached_25h", "refunded_181d", "rejected_181d", "cancelled_181d"}


def test_the_job_deletes_old_uploads_and_photos_of_long_closed_requests(
    now, photos, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_purge(now) == {"unattached": 1, "closed": 3}

    assert {name for name, evidence in photos.items() if not exists(evidence)} == GONE


def test_a_second_run_at_the_same_time_deletes_nothing(now, photos):
    evidence_purge(now)
    assert evidence_purge(now) == {"unattached": 0, "closed": 0}


def test_the_retention_is_a_setting(now, photos, settings):
    settings.EVIDENCE_RETENTION_DAYS = 170
    assert evidence_purge(now) == {"unattached": 1, "closed": 4}


def test_a_rejection_still_open_to_appeal_keeps_its_photos(now, veteran, settings):
    settings.EVIDENCE_RETENTION_DAYS = 1
    evidence = request_with_photo(
        veteran, now, status=RefundStatus.REJECTED, changed_ago=timedelta(days=2), seed=1
    )
    assert evidence_purge(now) == {"unattached": 0, "closed": 0}
    assert exists(evidence)


def test_dry_run_counts_and_deletes_nothing(now, photos):
    out = StringIO()
    call_command("purge_evidence", "--dry-run", stdout=out)

    assert "1 unattached" in out.getvalue()
    assert "3 photos of closed requests" in out.getvalue()
    assert all(exists(evidence) for evidence in photos.values())


def test_the_command_deletes(now, photos, django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_evidence", stdout=out)

    assert "1 unattached" in out.getvalue()
    assert {name for name, evidence in photos.items() if not exists(evidence)} == GONE


def test_tick_runs_the_job(now, photos):
    assert periodic.jobs()["evidence_purge"] is evidence_purge
    call_command("tick", "--at", now.isoformat(), stdout=StringIO())
    assert {name for name, e in photos.items() if not Evidence.objects.filter(pk=e.pk)} == GONE


def test_beat_runs_the_task(now, photos, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["evidence-purge"]
    assert entry["task"] == "refunds.tasks.evidence_purge_task"
    assert evidence_purge_task.delay().get() == {"unattached": 1, "closed": 3}
