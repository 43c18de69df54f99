"""Keeping a customer's photo: processed (``refunds.evidence``) before it
is stored under its random name, with its hashes for duplicate checks."""

from typing import Any

from django.core.files.base import ContentFile

from accounts.users import User

from ..evidence import band_fields, to_signed
from ..models import Evidence


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
