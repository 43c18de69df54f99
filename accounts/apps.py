from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _

from refundportal import periodic


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # The tokens module reads models, which exist only once the app
        # registry is ready: imported here, not at the top.
        from .tokens import tokens_purge

        periodic.register("token_purge")(tokens_purge)


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin on the portal's site (``admin_site``)."""

    default = False
    default_site = "accounts.admin_site.PortalAdminSite"
