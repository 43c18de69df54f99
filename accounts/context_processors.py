from typing import Any

from django.http import HttpRequest

from . import roles


def roles_context(request: HttpRequest) -> dict[str, Any]:
    held = roles.user_roles(request.user)
    primary = roles.primary_role(request.user)
    return {
        "user_roles": held,
        "primary_role": primary,
        "primary_role_label": roles.ROLE_LABELS.get(primary, "") if primary else "",
        "is_staff_role": bool(held & roles.STAFF_ROLES),
    }
