"""The order list's filters (``GET /orders/``)."""

from django_filters import rest_framework as filters

from .models import Order
from .states import OrderStatus


class OrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices, help_text="The order's status.")

    class Meta:
        model = Order
        fields = ["status"]
