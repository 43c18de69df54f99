from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from refundportal import periodic

        from .services import anomaly_check, kpi_rollup

        periodic.register("kpi_rollup")(kpi_rollup)
        periodic.register("anomaly_check")(anomaly_check)
