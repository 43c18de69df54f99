from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from refundportal.api import BoundedListField, BuiltOnceModelSerializer, StrictSerializer

from .models import DiscountKind, Order, TenderMethod
from .selectors import order_refundable
from .states import OrderStatus

MAX_AMOUNT = Decimal("999999.99")
# What the ordering system's numbers look like; a refund request names its
# order by the same rule.
ORDER_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"


def money(**kwargs: Any) -> serializers.DecimalField:
    kwargs.setdefault("min_value", Decimal("0"))
    return serializers.DecimalField(max_digits=8, decimal_places=2, max_value=MAX_AMOUNT, **kwargs)


class MerchantInSerializer(StrictSerializer):
    code = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)


class ItemInSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    unit_price = money()
    quantity = serializers.IntegerField(min_value=1, max_value=999)


class DiscountInSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=DiscountKind.choices)
    amount = money(min_value=Decimal("0.01"))


class TenderInSerializer(StrictSerializer):
    method = serializers.ChoiceField(choices=TenderMethod.choices)
    amount = money(min_value=Decimal("0.01"))
    account = serializers.CharField(max_length=200)


class OrderCreateSerializer(StrictSerializer):
    number = serializers.RegexField(
        ORDER_NUMBER_PATTERN,
        error_messages={"invalid": _("Letters, digits and - _ . : only, at most 64.")},
    )
    customer = serializers.CharField(max_length=150, help_text="The customer's user name.")
    merchant = MerchantInSerializer()
    placed_at = serializers.DateTimeField()
    promised_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=OrderStatus.choices, default=OrderStatus.PLACED)
    delivered_at = serializers.DateTimeField(required=False, allow_null=True)
    items = BoundedListField(
        child=ItemInSerializer(), allow_empty=False, min_length=1, max_length=200
    )
    delivery_fee = money(default=Decimal("0.00"))
    packaging_fee = money(default=Decimal("0.00"))
    discounts = BoundedListField(
        child=DiscountInSerializer(), required=False, default=list, max_length=20
    )
    tenders = BoundedListField(
        child=TenderInSerializer(), allow_empty=False, min_length=1, max_length=10
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["promised_at"] < attrs["placed_at"]:
            raise serializers.ValidationError(
                {"promised_at": [_("The promised time cannot be before the order was placed.")]}
            )
        delivered_at = attrs.get("delivered_at")
        if attrs["status"] == OrderStatus.DELIVERED and delivered_at is None:
            raise serializers.ValidationError(
                {"delivered_at": [_("A delivered order needs its delivery time.")]}
            )
        if attrs["status"] != OrderStatus.DELIVERED and delivered_at is not None:
            raise serializers.ValidationError(
                {"delivered_at": [_("Only a delivered order has a delivery time.")]}
            )
        if delivered_at is not None and delivered_at < attrs["placed_at"]:
            raise serializers.ValidationError(
                {"delivered_at": [_("Delivery cannot be before the order was placed.")]}
            )
        attrs.setdefault("delivered_at", None)
        return attrs


class OrderEventSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    at = serializers.DateTimeField()


class MerchantSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    quantity = serializers.IntegerField()
    refundable_quantity = serializers.IntegerField()
    refundable_amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class DiscountSerializer(serializers.Serializer):
    kind = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class TenderSerializer(serializers.Serializer):
    method = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    account = serializers.CharField()


class EventSerializer(serializers.Serializer):
    status = serializers.CharField()
    at = serializers.DateTimeField()


class OrderSerializer(BuiltOnceModelSerializer):
    customer = serializers.CharField(source="customer.username")
    merchant = MerchantSerializer()
    items = serializers.SerializerMethodField()
    discounts = DiscountSerializer(many=True)
    tenders = TenderSerializer(many=True)
    events = EventSerializer(many=True)
    refundable_total = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number",
            "customer",
            "merchant",
            "status",
            "placed_at",
            "promised_at",
            "delivered_at",
            "items",
            "items_total",
            "delivery_fee",
            "packaging_fee",
            "discounts",
            "discount_total",
            "paid_total",
            "tenders",
            "events",
            "refundable_total",
        ]

    def _refundable(self, order: Order) -> Any:
        cache = self.context.setdefault("_refundable", {})
        if order.pk not in cache:
            claims = self.context.get("claims", {}).get(order.pk)
            cache[order.pk] = order_refundable(order, claims)
        return cache[order.pk]

    @extend_schema_field(ItemSerializer(many=True))
    def get_items(self, order: Order) -> list[dict[str, Any]]:
        refundable = self._refundable(order)
        rows = []
        for line in refundable.lines:
            if line.item is None:
                continue
            rows.append(
                {
                    "id": line.item.pk,
                    "sku": line.item.sku,
                    "name": line.item.name,
                    "unit_price": str(line.unit_price),
                    "quantity": line.quantity,
                    "refundable_quantity": line.remaining_quantity,
                    "refundable_amount": str(line.remaining_amount),
                }
            )
        return rows

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2))
    def get_refundable_total(self, order: Order) -> str:
        return str(self._refundable(order).total)
