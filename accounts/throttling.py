"""Failed log-ins are limited per user name and address (the pair, not the
address alone, so one office behind one IP is not locked out by a
colleague): by default 10 failures in 15 minutes, then 429 until the window
passes. The name counts in its normalized form, the one log-in finds the
user by, so ``bf3``, ``BF3`` and ``ｂｆ３`` share one count.

Every log-in (the page, the admin, the API token) takes an attempt before
its password is checked and gives the count back when it succeeds: parallel
attempts each take their own number, so no more than the limit are checked."""

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from audit import actions as audit_actions
from audit.services import audit_record
from refundportal.api import ApplicationError

from .users import username_normalized


def _limit() -> int:
    return int(getattr(settings, "LOGIN_FAILURE_LIMIT", 10))


def _window() -> int:
    return int(getattr(settings, "LOGIN_FAILURE_WINDOW_SECONDS", 900))


def client_address(request: Any) -> str:
    meta = getattr(request, "META", {})
    return str(meta.get("REMOTE_ADDR", "") or "unknown")


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username_normalized(username)}|{address}".encode()).hexdigest()
    return f"login-failures:{digest}"


def login_attempt(username: str, address: str) -> None:
    """Count one attempt before its password is checked; refuse it (429)
    when the limit is already used up. The attempt stays counted as a
    failure unless ``login_succeeded`` follows; ``login_failed`` records one
    in the audit."""
    key = _key(username, address)
    while True:
        if cache.add(key, 1, timeout=_window()):
            count = 1
            break
        try:
            count = cache.incr(key)
            break
        except ValueError:
            # The window closed between the two calls: start a new one.
            continue
    if count == 1:
        # incr may have created the key after it expired: give it a window.
        cache.touch(key, _window())
    if count > _limit():
        if count == _limit() + 1:
            # The first refusal of a window: the lock-out itself, once.
            audit_record(
                action=audit_actions.LOCKED_OUT,
                facts={
                    "username": username[:150],
                    "limit": _limit(),
                    "minutes": _window() // 60,
                },
                remote_address=address,
                best_effort=True,
            )
        raise too_many_failures()


def login_failed(username: str, address: str, channel: str) -> None:
    """A wrong name or password: the attempt stays counted, and the audit
    records it (best effort: the refusal must not become a 500)."""
    audit_record(
        action=audit_actions.LOGIN_FAILED,
        facts={"username": username[:150], "channel": channel},
        remote_address=address,
        best_effort=True,
    )


def login_succeeded(user: Any, username: str, address: str, channel: str) -> None:
    """The count goes back, and the audit records the log-in."""
    cache.delete(_key(username, address))
    audit_record(
        action=audit_actions.LOGGED_IN,
        actor=user,
        target_type="user",
        target_id=user.pk,
        facts={"channel": channel},
        remote_address=address,
    )


def too_many_failures() -> ApplicationError:
    minutes = _window() // 60
    return ApplicationError(
        "throttled",
        _("Too many failed log-ins for this user name. Try again in %(minutes)s minutes.")
        % {"minutes": minutes},
        429,
        extra={"retry_after": _window()},
    )
