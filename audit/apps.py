from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    default = True
    name = "audit"
    verbose_name = _("Audit")
