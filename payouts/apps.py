from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "payouts"
    verbose_name = _("Payouts")

    def ready(self) -> None:
        from refundportal import periodic

        from .services import payout_sweep

        periodic.register("payout_sweep")(payout_sweep)
