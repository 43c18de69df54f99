"""The people the portal knows, for annotations: the project keeps Django's
own user model (roles are groups, see ``roles``)."""

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

__all__ = ["User", "signed_in"]


def signed_in(user: User | AnonymousUser) -> User:
    """The request's user, once a view's permission check has let only a
    signed-in one through; anyone else is refused (403)."""
    if not isinstance(user, User):
        raise PermissionDenied
    return user
