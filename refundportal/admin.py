"""Admin pieces every app shares: records that are read in the admin,
never edited there (every write goes through a service)."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db import models

from .money import format_cny


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


def money_column(model: type[models.Model], field: str) -> Callable[[Any, Any], str]:
    """A list column showing a money field as ``¥12.50`` under the field's
    own name, sorted by the field (a ModelAdmin attribute named in
    ``list_display``)."""

    money = model._meta.get_field(field)
    if not isinstance(money, models.DecimalField):
        raise TypeError(f"{model._meta.label}.{field} is no money field")

    @admin.display(description=money.verbose_name, ordering=field)
    def column(model_admin: Any, obj: Any) -> str:
        amount = getattr(obj, field)
        return model_admin.get_empty_value_display() if amount is None else format_cny(amount)

    return column
