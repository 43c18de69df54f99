from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import money_field


class MonthlyKpi(models.Model):
    """The KPIs of one closed month, written by the ``kpi_rollup`` job, so
    that reading a past month is one indexed read. The current month is
    always computed live."""

    month = models.CharField(_("month"), max_length=7, unique=True, help_text="YYYY-MM")
    orders = models.PositiveIntegerField(default=0)
    refund_requests = models.PositiveIntegerField(default=0)
    refunded_orders = models.PositiveIntegerField(default=0)
    refund_rate = models.FloatField(default=0)
    refund_amount = money_field(default=0)
    resolved_requests = models.PositiveIntegerField(default=0)
    avg_resolution_hours = models.FloatField(null=True, blank=True)
    p90_resolution_hours = models.FloatField(null=True, blank=True)
    decided_requests = models.PositiveIntegerField(default=0)
    auto_decided_share = models.FloatField(null=True, blank=True)
    staff_decisions = models.PositiveIntegerField(default=0)
    review_sla_met_share = models.FloatField(null=True, blank=True)
    avg_customer_wait_hours = models.FloatField(null=True, blank=True)
    satisfaction_avg = models.FloatField(null=True, blank=True)
    satisfaction_count = models.PositiveIntegerField(default=0)
    by_reason = models.JSONField(default=list, blank=True)
    by_merchant = models.JSONField(default=list, blank=True)
    by_liability = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["-month"]
        verbose_name = _("monthly KPIs")
        verbose_name_plural = _("monthly KPIs")

    def __str__(self) -> str:
        return self.month


class AnomalyKind(models.TextChoices):
    REFUND_RATE_JUMP = "refund_rate_jump", _("Refund rate jump")
    REVIEW_SLA_DRIFT = "review_sla_drift", _("Review SLA drift")


class AnomalyAlert(models.Model):
    """The day managers were last alerted of an anomaly, per kind and
    merchant (blank for the platform-wide kinds): at most one alert a day."""

    kind = models.CharField(max_length=30, choices=AnomalyKind.choices)
    merchant_code = models.CharField(max_length=64, blank=True, default="")
    last_alerted_on = models.DateField()
    facts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-last_alerted_on", "kind", "merchant_code"]
        verbose_name = _("anomaly alert")
        verbose_name_plural = _("anomaly alerts")
        constraints = [
            models.UniqueConstraint(fields=["kind", "merchant_code"], name="anomaly_alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.merchant_code or '-'} {self.last_alerted_on}"


class AnomalyCheck(models.Model):
    """One row per business day the anomaly check has run: a later run on
    the same day finds it and does nothing."""

    day = models.DateField(unique=True)
    checked_at = models.DateTimeField()
    alerts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"anomaly check {self.day}"
