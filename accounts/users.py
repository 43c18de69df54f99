"""The people the portal knows, for annotations: the project keeps Django's
own user model (roles are groups, see ``roles``)."""

import unicodedata

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

__all__ = ["User", "signed_in", "username_normalized"]


def signed_in(user: User | AnonymousUser) -> User:
    """The request's user, once a view's permission check has let only a
    signed-in one through; anyone else is refused (403)."""
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def username_normalized(username: str) -> str:
    """A user name as log-in compares it: NFKC (full-width letters and
    digits become the ones a keyboard types), case folded, without the
    spaces around it. Log-in finds the user by it and the failed log-in
    limit counts by it, so no spelling of a name gets tries of its own."""
    return unicodedata.normalize("NFKC", username).casefold().strip()
