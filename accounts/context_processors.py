from typing import Any

from django.http import HttpRequest

from . import roles


def roles_context(request: HttpRequest) -> dict[str, Any]:
    # An error page can be rendered for a request that never reached the
    # authentication middleware (a bad Host header): no user, no roles.
    user = getattr(request, "user", None)
    if user is None:
        return {"user_roles": frozenset(), "primary_role": None, "primary_role_label": ""}
    held = roles.user_roles(user)
    primary = roles.primary_role(user)
    return {
        "user_roles": held,
        "primary_role": primary,
        "primary_role_label": roles.ROLE_LABELS.get(primary, "") if primary else "",
        "is_staff_role": bool(held & roles.STAFF_ROLES),
    }
