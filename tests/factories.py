"""factory_boy factories: users in a role, orders built through the same
service the ordering system's API uses (so every order adds up), evidence
photos and rows, and refund requests."""

import io
import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import roles
from refundportal import clock

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    date_joined = factory.LazyFunction(clock.now)
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
    placed_at = factory.LazyFunction(lambda: (clock.now() - timedelta(hours=1)).isoformat())
    promised_at = factory.LazyFunction(lambda: (clock.now() - timedelta(minutes=15)).isoformat())
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


def create_order_at(
    *,
    customer: Any,
    promised_at: datetime,
    status: str = "placed",
    delivered_at: datetime | None = None,
    **overrides: Any,
) -> Any:
    """An order promised at ``promised_at`` (placed 40 minutes before), in
    ``status``; a delivered one needs ``delivered_at``."""
    times = {
        "placed_at": (promised_at - timedelta(minutes=40)).isoformat(),
        "promised_at": promised_at.isoformat(),
    }
    if delivered_at is not None:
        times["delivered_at"] = delivered_at.isoformat()
    return create_order(customer=customer, status=status, **times, **overrides)


def one_item_order(unit_price: str, *, method: str = "alipay") -> dict[str, Any]:
    """Payload overrides for an order of one dish and nothing else: no fees,
    no discount, so that ``paid_total`` is exactly ``unit_price``."""
    return {
        "items": [ItemFactory(unit_price=unit_price, quantity=1)],
        "delivery_fee": "0.00",
        "packaging_fee": "0.00",
        "discounts": [],
        "tenders": [{"method": method, "amount": unit_price, "account": f"{method}:1"}],
    }


# --- Evidence photos -------------------------------------------------------------


def photo_image(seed: int = 0, *, size: tuple[int, int] = (256, 256)) -> Any:
    """A smooth random picture: 8x8 random colours blown up, so that two
    seeds give perceptual hashes far apart while one picture resized or
    re-encoded keeps its hash."""
    from PIL import Image

    rng = random.Random(seed)
    tiles = Image.frombytes("RGB", (8, 8), rng.randbytes(8 * 8 * 3))
    return tiles.resize(size, Image.Resampling.BICUBIC)


def photo_bytes(seed: int = 0, *, fmt: str = "JPEG", image: Any = None, **save: Any) -> bytes:
    buffer = io.BytesIO()
    (image if image is not None else photo_image(seed)).save(buffer, fmt, **save)
    return buffer.getvalue()


def photo_upload(
    seed: int = 0, *, fmt: str = "JPEG", name: str | None = None, data: bytes | None = None
) -> SimpleUploadedFile:
    """A ``file`` for ``POST /evidence/``."""
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}.get(fmt, "bin")
    content = data if data is not None else photo_bytes(seed, fmt=fmt)
    return SimpleUploadedFile(
        name or f"photo-{seed}.{extension}", content, content_type=f"image/{extension}"
    )


def _band(index: int) -> Any:
    def value(o: Any) -> int:
        from refunds.evidence import bands

        return bands(o.hash_value)[index]

    return factory.LazyAttribute(value)


class EvidenceFactory(factory.django.DjangoModelFactory):
    """An evidence row with a chosen 64-bit perceptual hash (``hash_value``,
    unsigned) and its bands; the file itself is not written. Photos that go
    through decoding are uploaded with ``photo_upload``."""

    class Meta:
        model = "refunds.Evidence"

    class Params:
        hash_value = factory.LazyFunction(lambda: random.getrandbits(64))

    owner = factory.SubFactory(UserFactory, role=roles.CUSTOMER)
    file = factory.Sequence(lambda n: f"evidence/test/{n:06d}.jpg")
    content_type = "image/jpeg"
    size = 1024
    width = 256
    height = 256
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    phash = factory.LazyAttribute(
        lambda o: o.hash_value - (1 << 64) if o.hash_value >= (1 << 63) else o.hash_value
    )
    phash_band0 = _band(0)
    phash_band1 = _band(1)
    phash_band2 = _band(2)
    phash_band3 = _band(3)


# --- Refund requests -------------------------------------------------------------


class RefundBodyFactory(factory.DictFactory):
    """A ``POST /refunds/`` (and ``/refunds/preview/``) body."""

    order = "ORD-000000"
    reason = "other"
    description = factory.Iterator(["饭菜洒了", "送错了", "等了一个小时", "不想要了"])


class RefundRequestFactory(factory.django.DjangoModelFactory):
    """A request row written directly, past auto-review: for histories a
    test needs (earlier requests of a customer, a second open request)."""

    class Meta:
        model = "refunds.RefundRequest"

    order = None  # required: an order from create_order
    customer = factory.LazyAttribute(lambda o: o.order.customer)
    reason = "other"
    status = "pending_review"
    requested_amount = Decimal("1.00")
    review_due_at = factory.LazyFunction(lambda: clock.now() + timedelta(hours=24))
    created_at = factory.LazyFunction(lambda: clock.now())
    updated_at = factory.LazyAttribute(lambda o: o.created_at)
