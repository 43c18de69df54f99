from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import money_field


class MonthlyKpi(models.Model):
    """The KPIs of one closed month, written by the ``kpi_rollup`` job, so
    that reading a past month is one indexed read. The current month is
    always computed live."""

    month = models.CharField(_("month"), max_length=7, unique=True, help_text=_("YYYY-MM"))
    orders = models.PositiveIntegerField(default=0, verbose_name=_("orders"))
    refund_requests = models.PositiveIntegerField(default=0, verbose_name=_("refund requests"))
    refunded_orders = models.PositiveIntegerField(default=0, verbose_name=_("refunded orders"))
    refund_rate = models.FloatField(default=0, verbose_name=_("refund rate"))
    refund_amount = money_field(default=0, verbose_name=_("refund amount"))
    resolved_requests = models.PositiveIntegerField(default=0, verbose_name=_("resolved requests"))
    avg_resolution_hours = models.FloatField(
        null=True, blank=True, verbose_name=_("average resolution (h)")
    )
    p90_resolution_hours = models.FloatField(
        null=True, blank=True, verbose_name=_("90th percentile resolution (h)")
    )
    decided_requests = models.PositiveIntegerField(default=0, verbose_name=_("decided requests"))
    auto_decided_share = models.FloatField(
        null=True, blank=True, verbose_name=_("share decided automatically")
    )
    staff_decisions = models.PositiveIntegerField(default=0, verbose_name=_("staff decisions"))
    review_sla_met_share = models.FloatField(
        null=True, blank=True, verbose_name=_("share reviewed within the SLA")
    )
    avg_customer_wait_hours = models.FloatField(
        null=True, blank=True, verbose_name=_("average wait for the customer (h)")
    )
    satisfaction_avg = models.FloatField(
        null=True, blank=True, verbose_name=_("average satisfaction")
    )
    satisfaction_count = models.PositiveIntegerField(default=0, verbose_name=_("number of ratings"))
    by_reason = models.JSONField(default=list, blank=True, verbose_name=_("by reason"))
    by_merchant = models.JSONField(default=list, blank=True, verbose_name=_("by merchant"))
    by_liability = models.JSONField(default=list, blank=True, verbose_name=_("by liability"))
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

    kind = models.CharField(max_length=30, choices=AnomalyKind.choices, verbose_name=_("kind"))
    merchant_code = models.CharField(
        max_length=64, blank=True, default="", verbose_name=_("merchant code")
    )
    last_alerted_on = models.DateField(verbose_name=_("last alerted on"))
    facts = models.JSONField(default=dict, blank=True, verbose_name=_("facts"))

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

    day = models.DateField(unique=True, verbose_name=_("day"))
    checked_at = models.DateTimeField(verbose_name=_("checked at"))
    alerts = models.PositiveIntegerField(default=0, verbose_name=_("alerts"))

    class Meta:
        ordering = ["-day"]
        verbose_name = _("anomaly check")
        verbose_name_plural = _("anomaly checks")

    def __str__(self) -> str:
        return f"anomaly check {self.day}"
