from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from refundportal import periodic


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # The tokens module reads models, which exist only once the app
        # registry is ready: imported here, not at the top.
        from .tokens import tokens_purge

        periodic.register("token_purge")(tokens_purge)
