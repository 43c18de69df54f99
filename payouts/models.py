from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Tender, TenderMethod, money_field

from .states import PayoutStatus


class Payout(models.Model):
    """One tender's share of an approved refund, paid back through that
    tender's gateway under one idempotency key for life."""

    refund = models.ForeignKey(  # (refund, status) below serves its lookups
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="payouts", db_index=False
    )
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="payouts")
    method = models.CharField(max_length=20, choices=TenderMethod.choices)
    account = models.CharField(max_length=200)
    amount = money_field()
    status = models.CharField(
        max_length=20, choices=PayoutStatus.choices, default=PayoutStatus.PENDING
    )
    idempotency_key = models.CharField(max_length=64, unique=True)
    attempts = models.PositiveIntegerField(default=0, help_text="All attempts, every round.")
    round_attempts = models.PositiveIntegerField(
        default=0, help_text="Attempts since the payout was created or last retried by finance."
    )
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    processing_since = models.DateTimeField(null=True, blank=True)
    gateway_reference = models.CharField(max_length=80, null=True, blank=True, unique=True)
    declined = models.BooleanField(default=False)
    closed = models.BooleanField(
        default=False, help_text="A failed payout that finance rerouted to another method."
    )
    rerouted_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rerouted_to"
    )
    succeeded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["refund", "status"]),
            models.Index(fields=["created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_positive"),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk} {self.method} {self.amount} {self.status}"

    @property
    def needs_action(self) -> bool:
        """Failed and not yet rerouted: finance may retry or reroute it."""
        return self.status == PayoutStatus.FAILED and not self.closed


class AttemptOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    RETRYABLE = "retryable", _("Failed, will retry")
    DECLINED = "declined", _("Declined")
    UNKNOWN = "unknown", _("Unknown")


class PayoutAttempt(models.Model):
    """One ``refund`` call to a gateway: written before the call (outcome
    ``unknown``) and completed after it."""

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=20, choices=AttemptOutcome.choices, default=AttemptOutcome.UNKNOWN
    )
    error = models.TextField(blank=True, default="")
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    request = models.JSONField(default=dict, blank=True)
    response = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["payout", "number"]
        constraints = [
            models.UniqueConstraint(fields=["payout", "number"], name="payout_attempt_number"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of payout {self.payout_id}: {self.outcome}"


class PayoutEvent(models.Model):
    """One step of a payout's history after its creation: each move of its
    status (finance's retry among them) and finance's reroute, with who
    took it."""

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20, blank=True, default="")
    to_status = models.CharField(max_length=20)
    what = models.CharField(
        max_length=20, blank=True, default="", help_text="A step that moves no status: rerouted."
    )
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("payout event")
        verbose_name_plural = _("payout events")

    def __str__(self) -> str:
        return f"payout {self.payout_id}: {self.from_status or '-'} -> {self.to_status}"


class SandboxLedgerEntry(models.Model):
    """The sandbox gateways' own book: every call they answered. A key is
    paid at most once: the database refuses a second success."""

    idempotency_key = models.CharField(max_length=64, db_index=True)
    method = models.CharField(max_length=20, choices=TenderMethod.choices)
    account = models.CharField(max_length=200)
    amount = money_field()
    outcome = models.CharField(max_length=20)
    reference = models.CharField(max_length=80, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("sandbox ledger entry")
        verbose_name_plural = _("sandbox ledger")
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(outcome="succeeded"),
                name="sandbox_key_paid_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} {self.outcome}"
