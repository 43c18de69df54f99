from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _

from refundportal import periodic


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # The tokens and receivers modules read models, which exist only
        # once the app registry is ready: imported here, not at the top.
        from .receivers import keep_language_on_login
        from .tokens import tokens_purge

        periodic.register("token_purge")(tokens_purge)
        user_logged_in.connect(keep_language_on_login, dispatch_uid="accounts.keep_language")


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin on the portal's site (``admin_site``)."""

    default = False
    default_site = "accounts.admin_site.PortalAdminSite"
