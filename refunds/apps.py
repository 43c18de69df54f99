from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RefundsConfig(AppConfig):
    name = "refunds"
    verbose_name = _("Refunds")

    def ready(self) -> None:
        from refundportal import periodic

        from .services import sla_sweep

        periodic.register("sla_sweep")(sla_sweep)
