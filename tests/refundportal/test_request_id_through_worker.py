"""The request id, end to end: a filing approved under ``X-Request-ID`` hands
its payout to the real Celery worker, and the worker's log line for that
payout's attempt carries the same id."""

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from payouts.models import Payout
from payouts.states import PayoutStatus
from tests.conftest import BASE_DIR, client_as
from tests.factories import UserFactory, create_order

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

WORKER_LOG = BASE_DIR / "var" / "test-worker.log"


def test_the_worker_logs_the_payout_under_the_filings_request_id(celery_worker):
    customer = UserFactory(role="customer", date_joined=timezone.now() - timedelta(days=90))
    order = create_order(customer=customer)  # placed: approved at once (R4)
    request_id = f"req-e2e-{uuid.uuid4().hex[:12]}"

    response = client_as(customer).post(
        "/api/v1/refunds/",
        {"order": order.number, "reason": "other"},
        format="json",
        HTTP_X_REQUEST_ID=request_id,
    )

    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == request_id
    payout = Payout.objects.get(refund_id=response.json()["id"])
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        payout.refresh_from_db()
        lines = WORKER_LOG.read_text(errors="replace").splitlines()
        logged = [line for line in lines if f"payout {payout.pk} attempt 1: succeeded" in line]
        if payout.status == PayoutStatus.SUCCEEDED and logged:
            break
        time.sleep(0.2)
    assert payout.status == PayoutStatus.SUCCEEDED
    assert logged, "the worker did not log the attempt"
    assert request_id in logged[0]
