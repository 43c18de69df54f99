"""Writes on accounts: creating users with a role, and keeping the
language each user reads in."""

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import IntegrityError, transaction
from django.utils import translation

from refundportal import clock
from refundportal.api import ApplicationError

from . import roles
from .backends import users_named
from .models import UserPreference


def user_create(
    *,
    username: str,
    role: str,
    password: str | None = None,
    email: str = "",
    joined_days_ago: int | None = None,
) -> AbstractUser:
    """Create a user in one role; an existing name or an unknown role is refused."""
    if role not in roles.ROLES:
        raise ApplicationError(
            "validation_error",
            f"Unknown role {role!r}; choose one of: {', '.join(roles.ROLES)}.",
        )
    username = username.strip()
    if not username:
        raise ApplicationError("validation_error", "A user name is required.")
    if joined_days_ago is not None and joined_days_ago < 0:
        raise ApplicationError("validation_error", "--joined-days-ago cannot be negative.")
    taken = users_named(username)
    if taken:
        # Log-in compares names normalized: a look-alike of an existing name
        # could never log in by itself.
        raise ApplicationError(
            "conflict", f"A user named {taken[0].username!r} already exists.", 409
        )
    User = get_user_model()
    try:
        with transaction.atomic():
            # Managers and finance work in the admin: they need staff status.
            user = User(username=username, email=email, is_staff=role in roles.ADMIN_ROLES)
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            if joined_days_ago is not None:
                user.date_joined = clock.now() - timedelta(days=joined_days_ago)
            user.save()
            user.groups.add(Group.objects.get_or_create(name=role)[0])
    except IntegrityError as exc:
        raise ApplicationError(
            "conflict", f"A user named {username!r} already exists.", 409
        ) from exc
    return user


def supported_language(code: str | None) -> str | None:
    """``code`` as one of ``settings.LANGUAGES`` (``zh-CN`` is ``zh-hans``),
    or ``None`` for a language the portal does not speak."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def user_language_set(*, user: Any, language: str | None) -> str | None:
    """Keep ``language`` as the one ``user`` reads in; a language the portal
    does not speak changes nothing. Returns the language kept, if any."""
    code = supported_language(language)
    if code is None or not getattr(user, "pk", None):
        return None
    UserPreference.objects.update_or_create(
        user_id=user.pk, defaults={"language": code, "updated_at": clock.now()}
    )
    return code


def user_language(user: Any) -> str | None:
    """The language ``user`` last chose or logged in with, ``None`` when
    unknown."""
    language: str | None = (
        UserPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    )
    return language
