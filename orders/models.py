from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Abs
from django.db.models.lookups import LessThan
from django.utils.translation import gettext_lazy as _

from .states import OrderStatus


def money_field(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)  # type: ignore[arg-type]


def equal_to_the_cent(left: Any, right: Any) -> LessThan:
    """A check that two money expressions agree. SQLite computes decimals as
    floats, so exact equality would refuse sums that are right to the cent."""
    return LessThan(Abs(left - right), Decimal("0.005"))


class Merchant(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # The restaurant's staff with a log-in (role ``merchant``): they answer
    # the refund requests on its orders first.
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="merchants",
        verbose_name=_("merchant users"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")

    def __str__(self) -> str:
        return self.name


class DiscountKind(models.TextChoices):
    COUPON = "coupon", _("Coupon")
    RED_PACKET = "red_packet", _("Red packet")
    POINTS = "points", _("Points")
    PROMOTION = "promotion", _("Promotion")


class TenderMethod(models.TextChoices):
    ALIPAY = "alipay", _("Alipay")
    WECHAT = "wechat", _("WeChat Pay")
    CARD = "card", _("Bank card")
    WALLET = "wallet", _("Platform balance")


class Order(models.Model):
    number = models.CharField(_("number"), max_length=64, unique=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("customer"),
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="orders", verbose_name=_("merchant")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    placed_at = models.DateTimeField(_("placed at"))
    promised_at = models.DateTimeField(_("promised at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    items_total = money_field(verbose_name=_("items total"))
    delivery_fee = money_field(default=Decimal("0.00"), verbose_name=_("delivery fee"))
    packaging_fee = money_field(default=Decimal("0.00"), verbose_name=_("packaging fee"))
    discount_total = money_field(default=Decimal("0.00"), verbose_name=_("discount total"))
    paid_total = money_field(verbose_name=_("paid total"))
    # sha256 of the canonical creation payload: the same number posted again
    # with the same content is a retry, with other content a conflict.
    payload_digest = models.CharField(max_length=64, verbose_name=_("payload digest"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["customer", "-placed_at"]),
            models.Index(fields=["placed_at"]),
            models.Index(fields=["merchant", "placed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(paid_total__gte=0)
                & Q(delivery_fee__gte=0)
                & Q(packaging_fee__gte=0)
                & Q(discount_total__gte=0),
                name="order_amounts_not_negative",
            ),
            # Within half a cent rather than equal: SQLite keeps decimals as
            # binary floats, where 2.50 + 1.00 + 0.50 - 2.70 is not 1.30, and
            # strict equality refused valid orders there. Amounts are whole
            # cents, so any real mismatch is at least 0.01; PostgreSQL's
            # numeric arithmetic is exact and the difference is 0.
            models.CheckConstraint(
                condition=equal_to_the_cent(
                    models.F("items_total")
                    + models.F("delivery_fee")
                    + models.F("packaging_fee")
                    - models.F("discount_total"),
                    models.F("paid_total"),
                ),
                name="order_paid_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderItem(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order")
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    sku = models.CharField(max_length=64, verbose_name=_("SKU"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    unit_price = money_field(
        validators=[MinValueValidator(Decimal("0"))], verbose_name=_("unit price")
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))

    class Meta:
        ordering = ["order", "position"]
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="order_item_position"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(unit_price__gte=0), name="order_item_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} x{self.quantity}"

    @property
    def gross(self) -> Decimal:
        return self.unit_price * self.quantity


class Discount(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="discounts", verbose_name=_("order")
    )
    kind = models.CharField(max_length=20, choices=DiscountKind.choices, verbose_name=_("kind"))
    amount = money_field(verbose_name=_("amount"))

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("discount")
        verbose_name_plural = _("discounts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="discount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class Tender(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="tenders", verbose_name=_("order")
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    method = models.CharField(
        max_length=20, choices=TenderMethod.choices, verbose_name=_("payment method")
    )
    amount = money_field(verbose_name=_("amount"))
    account = models.CharField(max_length=200, verbose_name=_("account"))

    class Meta:
        ordering = ["order", "position"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="tender_position"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tender_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.amount}"


class DeliveryEvent(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    status = models.CharField(max_length=20, choices=OrderStatus.choices, verbose_name=_("status"))
    at = models.DateTimeField(verbose_name=_("time"))
    recorded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("recorded at"))

    class Meta:
        ordering = ["order", "at", "id"]
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")

    def __str__(self) -> str:
        return f"{self.status} at {self.at:%Y-%m-%d %H:%M}"
