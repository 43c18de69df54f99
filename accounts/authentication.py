"""Token authentication that reads the user's roles in the same query as
the token: every API request needs both. ``Authorization: Token <key>`` and
``Authorization: Bearer <key>`` are the same."""

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Aggregate, CharField, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.request import Request

from . import roles
from .models import ApiToken
from .tokens import key_hash, token_revoke, token_usable, token_used

KEYWORDS = (b"token", b"bearer")


class _Joined(Aggregate):
    """Group names joined with commas (role names have none)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="STRING_AGG", **extra)


def _group_names() -> Subquery:
    memberships = get_user_model().groups.through.objects.filter(user_id=OuterRef("user_id"))
    joined = memberships.order_by().values("user_id").annotate(names=_Joined("group__name"))
    # django-stubs cannot follow an annotation into values().
    return Subquery(joined.values("names"))  # type: ignore[misc]


@functools.cache
def _tokens() -> Any:
    """Tokens with their users and group names: built once, then cloned by
    each lookup (building the subquery costs as much as running it)."""
    return ApiToken.objects.select_related("user").annotate(group_names=_group_names())


class TokenWithRolesAuthentication(TokenAuthentication):
    """DRF's token authentication over hashed, expiring tokens, with the
    roles read alongside."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        words = get_authorization_header(request).split()
        if not words or words[0].lower() not in KEYWORDS:
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = words[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        try:
            token = _tokens().get(key_hash=key_hash(key))
        except ApiToken.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if not token_usable(token):
            token_revoke(token)
            raise exceptions.AuthenticationFailed(_("The token has expired; log in again."))
        token_used(token)
        names = token.group_names.split(",") if token.group_names else []
        roles.remember_roles(token.user, names)
        return token.user, token
