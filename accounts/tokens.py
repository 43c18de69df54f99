"""API tokens: issued one per log-in, kept as a hash, ended by log-out, a
password change, a time without use (``API_TOKEN_IDLE_HOURS``) or their age
(``API_TOKEN_MAX_HOURS``)."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from refundportal import clock

from .models import ApiToken
from .users import User

# How often a token's last use is written: not on every request.
LAST_USED_EVERY = timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(hours=float(settings.API_TOKEN_IDLE_HOURS))


def age_limit() -> timedelta:
    return timedelta(hours=float(settings.API_TOKEN_MAX_HOURS))


def token_issue(user: User) -> str:
    """A new token for ``user``; the key is returned once and never stored."""
    key = secrets.token_urlsafe(32)
    now = clock.now()
    ApiToken.objects.create(
        key_hash=key_hash(key),
        user=user,
        created_at=now,
        last_used_at=now,
        auth_hash=user.get_session_auth_hash(),
    )
    return key


def token_usable(token: ApiToken) -> bool:
    """Not idle too long, not too old, and issued under the user's current
    password."""
    now = clock.now()
    return (
        now - token.last_used_at <= idle_limit()
        and now - token.created_at <= age_limit()
        and secrets.compare_digest(token.auth_hash, token.user.get_session_auth_hash())
    )


def token_used(token: ApiToken) -> None:
    """Note a use, at most once a minute per token."""
    now = clock.now()
    if now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def token_revoke(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).delete()


def tokens_purge(at: datetime) -> int:
    """Delete the tokens past their idle or age limit at ``at`` (a periodic
    job; a token whose password changed goes when it is next presented)."""
    expired = Q(last_used_at__lt=at - idle_limit()) | Q(created_at__lt=at - age_limit())
    deleted, _ = ApiToken.objects.filter(expired).delete()
    return deleted
