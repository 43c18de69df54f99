"""Photos sent with the customer's forms (the plain file input, no
JavaScript): they count against the same upload limit as
``POST /api/v1/evidence/``, and nothing of a refused filing or appeal is
kept on disk or in the database."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from refunds.models import Evidence, RefundRequest
from tests.conftest import client_as
from tests.factories import photo_upload

from .support import delivered_order, upload, upload_id
from .test_pages import _refused, browser_as, file_request, form_url, page_url, text

pytestmark = pytest.mark.django_db

UPLOAD_LIMIT = 2


def stored_files() -> set[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return {path for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def client(veteran: Any) -> Client:
    return browser_as(veteran)


@pytest.fixture
def upload_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    """Uploads limited to two an hour per user, the other rates untouched."""
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "uploads": f"{UPLOAD_LIMIT}/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    return UPLOAD_LIMIT


# --- The upload limit ----------------------------------------------------------------


def test_photos_on_the_form_over_the_upload_limit_are_refused_with_the_pages_error(
    now, veteran, client, upload_limit, django_capture_on_commit_callbacks
):
    order = delivered_order(veteran, now)
    files_before = stored_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            form_url(order),
            {"reason": "damaged", "photos": [photo_upload(seed) for seed in range(3)]},
        )

    assert response.status_code == 429
    assert 'data-error-code="throttled"' in response.content.decode()
    assert "照片上传过于频繁" in text(response)
    assert not RefundRequest.objects.exists()
    assert not Evidence.objects.exists()
    assert stored_files() == files_before


def test_the_form_and_the_api_share_one_upload_count(now, veteran, client, upload_limit):
    api = client_as(veteran)
    upload_id(api, 1)

    response = client.post(
        form_url(delivered_order(veteran, now)),
        {"reason": "damaged", "photos": [photo_upload(2), photo_upload(3)]},
    )

    assert response.status_code == 429
    assert "照片上传过于频繁" in text(response)
    assert not RefundRequest.objects.exists()
    assert Evidence.objects.count() == 1


def test_photos_on_the_form_use_up_the_limit_of_the_api(now, veteran, client, upload_limit):
    response = client.post(
        form_url(delivered_order(veteran, now)),
        {"reason": "damaged", "photos": [photo_upload(1), photo_upload(2)]},
    )
    assert response.status_code == 302

    refused = upload(client_as(veteran), 3)

    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"


def test_the_appeal_form_counts_against_the_upload_limit(now, veteran, client, upload_limit):
    refund = file_request(veteran, delivered_order(veteran, now), reason="changed_mind")

    response = client.post(
        page_url(refund, "appeal"),
        {"reason": "骑手送错地址了", "photos": [photo_upload(seed) for seed in range(3)]},
    )

    assert response.status_code == 429
    assert "照片上传过于频繁" in text(response)
    assert not Evidence.objects.exists()


def test_a_seventh_photo_on_the_form_is_refused_and_none_is_stored(now, veteran, client):
    files_before = stored_files()
    response = client.post(
        form_url(delivered_order(veteran, now)),
        {"reason": "damaged", "photos": [photo_upload(seed) for seed in range(7)]},
    )
    assert response.status_code == 400
    assert "每个申请最多 6 张照片" in text(response)
    assert not Evidence.objects.exists()
    assert stored_files() == files_before


# --- Nothing of a refused filing is kept ------------------------------------------------


def test_a_refused_filing_leaves_no_photo_behind(
    now, veteran, client, django_capture_on_commit_callbacks
):
    order = delivered_order(veteran, now, ago=timedelta(hours=25))
    files_before = stored_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            form_url(order), {"reason": "damaged", "photos": [photo_upload(1), photo_upload(2)]}
        )

    _refused(response, "window_closed")
    assert not Evidence.objects.exists()
    assert stored_files() == files_before
    assert 'name="evidence"' not in response.content.decode()


def test_a_photo_that_fails_part_way_takes_the_ones_before_it_along(
    now, veteran, client, django_capture_on_commit_callbacks
):
    files_before = stored_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            form_url(delivered_order(veteran, now)),
            {
                "reason": "damaged",
                "photos": [photo_upload(1), photo_upload(2, name="x.jpg", data=b"not an image")],
            },
        )

    _refused(response, "invalid_image")
    assert not Evidence.objects.exists()
    assert stored_files() == files_before


def test_photos_uploaded_earlier_stay_on_the_form_after_a_refusal(
    now, veteran, client, django_capture_on_commit_callbacks
):
    earlier = upload_id(client_as(veteran), 1)
    order = delivered_order(veteran, now, ago=timedelta(hours=25))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            form_url(order),
            {"reason": "damaged", "evidence": [str(earlier)], "photos": [photo_upload(2)]},
        )

    _refused(response, "window_closed")
    assert list(Evidence.objects.values_list("pk", flat=True)) == [earlier]
    assert Path(Evidence.objects.get().file.path).exists()
    assert f'name="evidence" value="{earlier}"' in response.content.decode()


def test_a_refused_appeal_leaves_no_photo_behind(
    now, veteran, client, django_capture_on_commit_callbacks
):
    refund = file_request(veteran, delivered_order(veteran, now), reason="other")  # pending
    files_before = stored_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page_url(refund, "appeal"), {"reason": "再看看", "photos": [photo_upload(1)]}
        )

    assert response.status_code == 409
    assert not Evidence.objects.exists()
    assert stored_files() == files_before
