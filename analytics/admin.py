from typing import Any

from django.contrib import admin

from refundportal.admin import money_column

from .models import AnomalyAlert, MonthlyKpi


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(MonthlyKpi)
class MonthlyKpiAdmin(_ReadOnly):
    """The roll-ups are written by the ``kpi_rollup`` job only; deleting a
    month's row makes the next run compute it again."""

    list_display = [
        "month",
        "orders",
        "refunded_orders",
        "refund_rate",
        "refund_amount_cny",
        "avg_resolution_hours",
        "satisfaction_avg",
        "computed_at",
    ]
    refund_amount_cny = money_column(MonthlyKpi, "refund_amount")


@admin.register(AnomalyAlert)
class AnomalyAlertAdmin(_ReadOnly):
    list_display = ["kind", "merchant_code", "last_alerted_on"]
    list_filter = ["kind"]

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
