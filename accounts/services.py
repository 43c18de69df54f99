"""Writes on accounts: creating users with a role."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import IntegrityError, transaction

from refundportal import clock
from refundportal.api import ApplicationError

from . import roles
from .backends import users_named


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
            # Managers work in the admin (the refund policy): they need staff status.
            user = User(username=username, email=email, is_staff=role == roles.MANAGER)
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
