from typing import Any

from django.http import HttpRequest

from . import roles


def roles_context(request: HttpRequest) -> dict[str, Any]:
    # An error page can be rendered for a request that never reached the
    # authentication middleware (a bad Host header): no user, no roles.
    user = getattr(request, "user", None)
    held = roles.user_roles(user) if user is not None else frozenset()
    primary = roles.primary_role(user) if user is not None else None
    staff = bool(held & roles.STAFF_ROLES)
    # What the header and the error pages may offer, by the same role sets
    # the pages' gates use.
    return {
        "primary_role": primary,
        "primary_role_label": roles.ROLE_LABELS.get(primary, "") if primary else "",
        "is_staff_role": staff,
        "is_customer": roles.CUSTOMER in held,
        "is_customer_only": roles.CUSTOMER in held and not staff,
        "is_integration": roles.INTEGRATION in held,
        "is_manager": roles.MANAGER in held,
        "is_merchant": roles.MERCHANT in held,
        "can_review": bool(held & roles.REVIEW_ROLES),
        "can_read_payouts": bool(held & roles.PAYOUT_READERS),
        "can_read_ledger": roles.FINANCE in held,
    }
