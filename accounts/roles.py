"""The six roles of the product, kept as Django groups.

A superuser has every role. "Staff" means agent, senior agent, finance and
manager: they may read every order and request.
"""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

CUSTOMER = "customer"
AGENT = "agent"
SENIOR_AGENT = "senior_agent"
FINANCE = "finance"
MANAGER = "manager"
INTEGRATION = "integration"
MERCHANT = "merchant"

ROLES = (CUSTOMER, AGENT, SENIOR_AGENT, FINANCE, MANAGER, INTEGRATION, MERCHANT)
STAFF_ROLES = frozenset({AGENT, SENIOR_AGENT, FINANCE, MANAGER})
REVIEW_ROLES = frozenset({AGENT, SENIOR_AGENT})
PAYOUT_READERS = frozenset({FINANCE, MANAGER})
# Who works in the admin (staff status): managers (the policy, the audit),
# finance (searching payouts).
ADMIN_ROLES = frozenset({MANAGER, FINANCE})
# Who wrote a timeline step or moved a payout when no person did.
SYSTEM = "system"

ROLE_LABELS = {
    CUSTOMER: _("Customer"),
    AGENT: _("Agent"),
    SENIOR_AGENT: _("Senior agent"),
    FINANCE: _("Finance"),
    MANAGER: _("Manager"),
    INTEGRATION: _("Integration"),
    MERCHANT: _("Merchant"),
}

_CACHE_ATTR = "_refundportal_roles"


def user_roles(user: Any) -> frozenset[str]:
    """The roles a user holds, read once per request and kept on the user."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    return remember_roles(user, user.groups.values_list("name", flat=True))


def remember_roles(user: Any, group_names: Iterable[str]) -> frozenset[str]:
    """Keep on ``user`` the roles its groups (read by the caller) give it."""
    if getattr(user, "is_superuser", False):
        roles = frozenset(ROLES)
    else:
        roles = frozenset(name for name in group_names if name in ROLES)
    setattr(user, _CACHE_ATTR, roles)
    return roles


def has_role(user: Any, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def is_staff_role(user: Any) -> bool:
    return bool(user_roles(user) & STAFF_ROLES)


def primary_role(user: Any) -> str | None:
    """The role a page greets the user as: the most powerful one held."""
    held = user_roles(user)
    for role in (MANAGER, FINANCE, SENIOR_AGENT, AGENT, MERCHANT, CUSTOMER, INTEGRATION):
        if role in held:
            return role
    return None
