"""Payout statuses and their moves, as data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PayoutStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


S = PayoutStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PROCESSING}),
    S.PROCESSING: frozenset({S.SUCCEEDED, S.PENDING, S.FAILED}),
    S.FAILED: frozenset({S.PENDING, S.SUCCEEDED}),  # finance retry; a late answer of the gateway
    S.SUCCEEDED: frozenset(),
}
