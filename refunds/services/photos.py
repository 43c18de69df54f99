"""Keeping a customer's photo: processed (``refunds.evidence``) before it
is stored under its random name, with its hashes for duplicate checks; and
letting go of photos nobody needs: those of a refused filing at once, and,
from the periodic job, uploads never attached and photos of requests long
closed. A row is deleted in its transaction, its file once that commits."""

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile

from accounts.users import User

from ..evidence import band_fields, to_signed
from ..models import Evidence
from ..selectors import closed_evidence_expired, unattached_evidence_expired

PURGE_BATCH = 500


def evidence_store(*, owner: User, photo: Any) -> Evidence:
    """Keep a processed photo under its random name, with its hashes."""
    evidence = Evidence(
        owner=owner,
        content_type=photo.content_type,
        size=len(photo.content),
        width=photo.width,
        height=photo.height,
        sha256=photo.sha256,
        phash=to_signed(photo.phash),
        **band_fields(photo.phash),
    )
    evidence.file.save(photo.name, ContentFile(photo.content), save=False)
    evidence.save()
    return evidence


def _delete(photos: QuerySet[Evidence]) -> int:
    """Delete the rows (locked first, so a filing attaching one of them
    waits and then finds it gone) and, after the commit, their files."""
    with transaction.atomic():
        doomed = list(photos.select_for_update(of=("self",)).only("pk", "file"))
        Evidence.objects.filter(pk__in=[photo.pk for photo in doomed]).delete()
        transaction.on_commit(partial(_delete_files, [photo.file for photo in doomed]))
    return len(doomed)


def _delete_files(files: list[FieldFile]) -> None:
    for file in files:
        file.delete(save=False)


def evidence_discard(*, owner: User, evidence_ids: Sequence[int]) -> int:
    """Delete photos ``owner`` uploaded for a filing or an appeal that was
    refused; one already attached to a request is never touched."""
    if not evidence_ids:
        return 0
    return _delete(
        Evidence.objects.filter(pk__in=list(evidence_ids), owner=owner, request__isnull=True)
    )


def _purge(expired: QuerySet[Evidence]) -> int:
    deleted = 0
    while batch := list(expired.values_list("pk", flat=True)[:PURGE_BATCH]):
        deleted += _delete(expired.filter(pk__in=batch))
    return deleted


def evidence_purge(at: datetime, *, dry_run: bool = False) -> dict[str, int]:
    """The retention job: delete uploads never attached to a request after a
    day, and photos of requests closed for good after the retention
    (``EVIDENCE_RETENTION_DAYS``). ``dry_run`` only counts them."""
    unattached = unattached_evidence_expired(at)
    closed = closed_evidence_expired(at)
    if dry_run:
        return {"unattached": unattached.count(), "closed": closed.count()}
    return {"unattached": _purge(unattached), "closed": _purge(closed)}
