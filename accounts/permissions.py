"""DRF permission classes by role."""

from typing import Any

from rest_framework.permissions import BasePermission

from . import roles


class _RolePermission(BasePermission):
    allowed: frozenset[str] = frozenset()

    def has_permission(self, request: Any, view: Any) -> bool:
        return roles.has_role(request.user, *self.allowed)


class IsIntegration(_RolePermission):
    allowed = frozenset({roles.INTEGRATION})


class IsCustomer(_RolePermission):
    allowed = frozenset({roles.CUSTOMER})


class IsStaff(_RolePermission):
    allowed = roles.STAFF_ROLES


class IsReviewer(_RolePermission):
    allowed = roles.REVIEW_ROLES


class IsSeniorAgent(_RolePermission):
    allowed = frozenset({roles.SENIOR_AGENT})


class IsFinance(_RolePermission):
    allowed = frozenset({roles.FINANCE})


class IsFinanceOrManager(_RolePermission):
    allowed = frozenset({roles.FINANCE, roles.MANAGER})


class IsManager(_RolePermission):
    allowed = frozenset({roles.MANAGER})


class CanReadOrders(_RolePermission):
    """Customers read their own orders; staff and the ordering system read all."""

    allowed = roles.STAFF_ROLES | {roles.CUSTOMER, roles.INTEGRATION}
