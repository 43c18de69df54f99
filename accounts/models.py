from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """An API token, one per log-in. Only the SHA-256 of its key is kept:
    the key itself is shown once, when it is issued."""

    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash (SHA-256)"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    last_used_at = models.DateTimeField(verbose_name=_("last used at"))
    # The user's password fingerprint when the token was issued: a password
    # change makes it differ, and the token stops working.
    auth_hash = models.CharField(max_length=128, verbose_name=_("password fingerprint"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"token {self.pk} of user {self.user_id}"


class UserPreference(models.Model):
    """What a user chose for themselves: the language they read the portal
    in, kept so that what is sent to them outside a page (e-mail) speaks it
    too. Set when they log in and when they switch language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="preference",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
