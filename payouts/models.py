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
        "refunds.RefundRequest",
        on_delete=models.PROTECT,
        related_name="payouts",
        db_index=False,
        verbose_name=_("refund request"),
    )
    tender = models.ForeignKey(
        Tender, on_delete=models.PROTECT, related_name="payouts", verbose_name=_("original payment")
    )
    method = models.CharField(
        max_length=20, choices=TenderMethod.choices, verbose_name=_("payment method")
    )
    account = models.CharField(max_length=200, verbose_name=_("account"))
    amount = money_field(verbose_name=_("amount"))
    status = models.CharField(
        max_length=20,
        choices=PayoutStatus.choices,
        default=PayoutStatus.PENDING,
        verbose_name=_("status"),
    )
    idempotency_key = models.CharField(
        max_length=64, unique=True, verbose_name=_("idempotency key")
    )
    attempts = models.PositiveIntegerField(
        default=0, help_text=_("All attempts, every round."), verbose_name=_("attempts")
    )
    round_attempts = models.PositiveIntegerField(
        default=0,
        help_text=_("Attempts since the payout was created or last retried by finance."),
        verbose_name=_("attempts this round"),
    )
    last_error = models.TextField(blank=True, default="", verbose_name=_("last error"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    enqueued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("queued at"))
    processing_since = models.DateTimeField(
        null=True, blank=True, verbose_name=_("processing since")
    )
    gateway_reference = models.CharField(
        max_length=80, null=True, blank=True, unique=True, verbose_name=_("gateway reference")
    )
    declined = models.BooleanField(default=False, verbose_name=_("declined"))
    closed = models.BooleanField(
        default=False,
        help_text=_("A failed payout that finance rerouted to another method."),
        verbose_name=_("closed"),
    )
    rerouted_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rerouted_to",
        verbose_name=_("rerouted from"),
    )
    succeeded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("succeeded at"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    updated_at = models.DateTimeField(verbose_name=_("updated at"))

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

    payout = models.ForeignKey(
        Payout, on_delete=models.PROTECT, related_name="attempt_log", verbose_name=_("payout")
    )
    number = models.PositiveIntegerField(verbose_name=_("attempt number"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    outcome = models.CharField(
        max_length=20,
        choices=AttemptOutcome.choices,
        default=AttemptOutcome.UNKNOWN,
        verbose_name=_("outcome"),
    )
    error = models.TextField(blank=True, default="", verbose_name=_("error"))
    duration_ms = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("duration (ms)")
    )
    request = models.JSONField(default=dict, blank=True, verbose_name=_("request sent"))
    response = models.JSONField(default=dict, blank=True, verbose_name=_("response received"))

    class Meta:
        ordering = ["payout", "number"]
        verbose_name = _("payout attempt")
        verbose_name_plural = _("payout attempts")
        constraints = [
            models.UniqueConstraint(fields=["payout", "number"], name="payout_attempt_number"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of payout {self.payout_id}: {self.outcome}"


class PayoutEvent(models.Model):
    """One step of a payout's history after its creation: each move of its
    status (finance's retry among them) and finance's reroute, with who
    took it."""

    payout = models.ForeignKey(
        Payout, on_delete=models.PROTECT, related_name="events", verbose_name=_("payout")
    )
    at = models.DateTimeField(verbose_name=_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_role = models.CharField(max_length=20, verbose_name=_("actor's role"))
    from_status = models.CharField(
        max_length=20, blank=True, default="", verbose_name=_("from status")
    )
    to_status = models.CharField(max_length=20, verbose_name=_("to status"))
    what = models.CharField(
        max_length=20,
        blank=True,
        default="",
        help_text=_("A step that moves no status: rerouted."),
        verbose_name=_("step"),
    )
    error = models.TextField(blank=True, default="", verbose_name=_("error"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("payout event")
        verbose_name_plural = _("payout events")

    def __str__(self) -> str:
        return f"payout {self.payout_id}: {self.from_status or '-'} -> {self.to_status}"


class SandboxLedgerEntry(models.Model):
    """The sandbox gateways' own book: every call they answered. A key is
    paid at most once: the database refuses a second success."""

    idempotency_key = models.CharField(
        max_length=64, db_index=True, verbose_name=_("idempotency key")
    )
    method = models.CharField(
        max_length=20, choices=TenderMethod.choices, verbose_name=_("payment method")
    )
    account = models.CharField(max_length=200, verbose_name=_("account"))
    amount = money_field(verbose_name=_("amount"))
    outcome = models.CharField(max_length=20, verbose_name=_("outcome"))
    reference = models.CharField(max_length=80, blank=True, default="", verbose_name=_("reference"))
    at = models.DateTimeField(verbose_name=_("time"))

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
