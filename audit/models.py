from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One thing a person did that the portal keeps a trace of: who, when,
    from which address, what (``action``, a stable id such as
    ``refund.claimed``), on what (``target_type`` and ``target_id``) and its
    facts. Append-only: nothing edits or deletes a row (on PostgreSQL a
    trigger refuses it). The sentence shown is rendered from the action and
    facts in the reader's language (``audit.presenters``)."""

    at = models.DateTimeField(_("at"))
    # PROTECT: a person with a trail is deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    action = models.CharField(_("action"), max_length=40)
    target_type = models.CharField(_("target type"), max_length=40, blank=True, default="")
    target_id = models.CharField(_("target id"), max_length=64, blank=True, default="")
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    remote_address = models.CharField(_("remote address"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            models.Index(fields=["action", "-at"], name="audit_action_at"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["-at"], name="audit_at"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.action} at {self.at:%Y-%m-%d %H:%M:%S}"
