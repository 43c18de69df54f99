"""Log-in by user name and password, the name compared in its normalized
form (``users.username_normalized``): the page, the admin and the API token
all authenticate through here."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from .users import User, username_normalized


def users_named(username: str) -> list[User]:
    """The users whose names normalize as ``username`` does."""
    typed = username.strip()
    normalized = username_normalized(username)
    # The exact name too: a database's case-insensitive match may know only
    # ASCII (SQLite), and a name stored in full width has no other spelling.
    matching = Q(username=typed) | Q(username__iexact=normalized)
    return [
        user
        for user in User._default_manager.filter(matching)
        if username_normalized(user.username) == normalized
    ]


def user_for_login(username: str) -> User | None:
    """The user a typed name means: the one whose name normalizes the same;
    when two names do (``Ann`` and ``ann``), only the exact one."""
    typed = username.strip()
    candidates = users_named(username)
    if len(candidates) == 1:
        return candidates[0]
    return next((user for user in candidates if user.username == typed), None)


class UsernameBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not isinstance(username, str) or password is None:
            return None
        user = user_for_login(username)
        if user is None:
            # Hash anyway, so that an unknown name takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
