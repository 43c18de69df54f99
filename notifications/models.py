from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message. ``title`` and ``body`` are stored in both
    languages, so the reader sees the one their page is in."""

    user = models.ForeignKey(  # (user, read_at, created_at) below serves its lookups
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    event = models.CharField(max_length=40)
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    body_zh = models.TextField(blank=True, default="")
    body_en = models.TextField(blank=True, default="")
    link = models.CharField(max_length=300, blank=True, default="")
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title_en

    def title(self, language: str) -> str:
        return self.title_zh if language.startswith("zh") else self.title_en

    def body(self, language: str) -> str:
        return self.body_zh if language.startswith("zh") else self.body_en
