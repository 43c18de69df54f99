"""Token authentication that reads the user's roles in the same query as
the token: every API request needs both."""

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Aggregate, CharField, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from . import roles


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
    return Token.objects.select_related("user").annotate(group_names=_group_names())


class TokenWithRolesAuthentication(TokenAuthentication):
    """DRF's token authentication, with the roles read alongside."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        try:
            token = _tokens().get(key=key)
        except Token.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        names = token.group_names.split(",") if token.group_names else []
        roles.remember_roles(token.user, names)
        return token.user, token
