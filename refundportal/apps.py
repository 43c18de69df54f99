from django.apps import AppConfig
from django.core.checks import register

from .checks import check_email, check_static_manifest


class RefundportalConfig(AppConfig):
    name = "refundportal"
    verbose_name = "Refund portal"

    def ready(self) -> None:
        register(check_static_manifest, deploy=True)
        register(check_email, deploy=True)
