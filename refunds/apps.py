from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RefundsConfig(AppConfig):
    name = "refunds"
    verbose_name = _("Refunds")

    def ready(self) -> None:
        # Imported here, not at the top: models and services need the app
        # registry that is being filled while this module loads.
        from orders.signals import order_failed
        from refundportal import periodic

        from . import tasks  # noqa: F401  (registers the tasks services send by name)
        from .presenters import register_sentences
        from .receivers import refund_failed_order
        from .services import (
            evidence_purge,
            payout_sweep,
            refund_customer_timeouts,
            refund_merchant_timeouts,
            sla_sweep,
        )

        register_sentences()
        periodic.register("sla_sweep")(sla_sweep)
        periodic.register("payout_sweep")(payout_sweep)
        periodic.register("evidence_purge")(evidence_purge)
        periodic.register("customer_reply_timeout")(refund_customer_timeouts)
        periodic.register("merchant_answer_timeout")(refund_merchant_timeouts)
        order_failed.connect(refund_failed_order, dispatch_uid="refunds.refund_failed_order")
        post_migrate.connect(grant_manager_permissions, sender=self)


# Managers edit the refund policy and read requests in the admin; their
# group gets exactly those model permissions (created after migrations).
MANAGER_PERMISSIONS = [
    ("refunds", "view_refundpolicy"),
    ("refunds", "change_refundpolicy"),
    ("refunds", "view_refundrequest"),
    ("refunds", "view_timelineevent"),
    ("refunds", "view_feedback"),
    ("refunds", "view_message"),
    ("payouts", "view_payout"),
    ("orders", "view_order"),
    ("orders", "view_merchant"),
    ("django_celery_beat", "view_periodictask"),
]


def grant_manager_permissions(**kwargs: Any) -> None:
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name="manager")
    for app_label, codename in MANAGER_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            group.permissions.add(permission)
