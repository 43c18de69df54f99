from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from accounts import roles


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
        # After every app's migrations, not only this one's: the permissions of
        # apps listed after this one (payouts, ...) exist only by then.
        post_migrate.connect(
            grant_admin_permissions, dispatch_uid="refunds.grant_admin_permissions"
        )


# The roles that work in the admin and exactly the model permissions their
# groups get there (granted after migrations): managers edit the refund
# policy and read requests, the audit and the jobs; finance searches payouts,
# their attempts and events, and the sandbox ledger.
ADMIN_PERMISSIONS = {
    roles.MANAGER: [
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
        ("audit", "view_auditevent"),
    ],
    roles.FINANCE: [
        ("payouts", "view_payout"),
        ("payouts", "view_payoutattempt"),
        ("payouts", "view_payoutevent"),
        ("payouts", "view_sandboxledgerentry"),
        ("orders", "view_order"),
    ],
}


def grant_admin_permissions(**kwargs: Any) -> None:
    from django.contrib.auth.models import Group, Permission

    for role, granted in ADMIN_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        for app_label, codename in granted:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)
