"""Filters shared by the list endpoints. Every list filters through
django-filter's backend (``DEFAULT_FILTER_BACKENDS``): a bad value is a 400
``validation_error`` naming the parameter, and the schema declares each
filter."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .api import MAX_ID


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """A row id: ASCII digits only; an id past the bigint range names no row
    (the database would refuse to compare with it)."""

    field_class = forms.IntegerField

    def filter(self, qs: Any, value: Any) -> Any:
        if value is not None and not 0 < value <= MAX_ID:
            return qs.none()
        return super().filter(qs, value)


class _TrueOrFalse(forms.NullBooleanField):
    """``true``/``false`` (or ``1``/``0``); anything else is refused rather
    than read as no filter."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1"):
            return True
        if value in (False, "false", "False", "0"):
            return False
        raise forms.ValidationError(_("Enter true or false."), code="invalid")


class BooleanFilter(filters.BooleanFilter):
    field_class = _TrueOrFalse

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # django-filter's own widget reads an unknown word as "no filter".
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)
