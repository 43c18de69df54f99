from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message: its ``event`` and the ``facts`` it was sent with.
    Its title and body are rendered from them in the reader's language each
    time it is read (``notifications.presenters``); no text is stored."""

    user = models.ForeignKey(  # (user, read_at, created_at) below serves its lookups
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
        verbose_name=_("recipient"),
    )
    event = models.CharField(max_length=40, verbose_name=_("event"))
    facts = models.JSONField(default=dict, blank=True, verbose_name=_("facts"))
    link = models.CharField(max_length=300, blank=True, default="", verbose_name=_("link"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))
    created_at = models.DateTimeField(verbose_name=_("sent at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.event} for {self.user_id}"
