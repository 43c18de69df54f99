"""factory_boy factories: users in a role, and orders built through the
same service the ordering system's API uses, so every order adds up."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        self.save()

    class Params:
        customer = factory.Trait(role=roles.CUSTOMER)


class ItemFactory(factory.DictFactory):
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Iterator(["宫保鸡丁", "鱼香肉丝", "麻婆豆腐", "扬州炒饭", "酸辣汤"])
    unit_price = "10.00"
    quantity = 1


class OrderPayloadFactory(factory.DictFactory):
    """A ``POST /orders/`` body: by default 3 x 10.00, delivery 3.00,
    packaging 1.00, a 10.00 coupon, paid 24.00 by Alipay (SPEC 3's example)."""

    number = factory.Sequence(lambda n: f"ORD-{n:06d}")
    customer = "customer"
    merchant = factory.Dict({"code": "M001", "name": "老王川菜馆"})
    placed_at = factory.LazyFunction(lambda: (timezone.now() - timedelta(hours=1)).isoformat())
    promised_at = factory.LazyFunction(lambda: (timezone.now() - timedelta(minutes=15)).isoformat())
    status = "placed"
    items = factory.LazyFunction(lambda: [ItemFactory(unit_price="10.00", quantity=3)])
    delivery_fee = "3.00"
    packaging_fee = "1.00"
    discounts = factory.LazyFunction(lambda: [{"kind": "coupon", "amount": "10.00"}])
    tenders = factory.LazyFunction(
        lambda: [{"method": "alipay", "amount": "24.00", "account": "alipay:138****0001"}]
    )


def create_order(*, customer: Any, **overrides: Any) -> Any:
    """Store an order for ``customer`` through the orders service."""
    from orders.serializers import OrderCreateSerializer
    from orders.services import order_create

    payload = OrderPayloadFactory(customer=customer.username, **overrides)
    serializer = OrderCreateSerializer(data=payload)
    serializer.is_valid(raise_exception=True)
    return order_create(payload=dict(serializer.validated_data)).order


def money(value: str) -> Decimal:
    return Decimal(value)
