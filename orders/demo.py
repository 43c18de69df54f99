"""Demo data: merchants with menus, customers, months of orders with their
delivery timelines, and one user per role (``manage.py seed_demo``).

Orders are written with ``bulk_create`` rather than one ``order_create`` call
each, because a demo of 10,000 orders has to load in seconds. They still add
up the way ``order_create`` checks (and the database constraint enforces), and
each order's ``payload_digest`` is computed from the very payload shape that
``POST /orders/`` validates, so the ordering system re-posting an order is
answered 200, not 409.

Everything random comes from generators seeded per order index, so order
``DEMO000042`` is decided by its index alone: a second run finds every number
already stored and creates nothing, and a larger ``--orders`` adds only the
missing tail.
"""

import bisect
import calendar
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from accounts import roles
from accounts.services import user_create
from refundportal import clock
from refundportal.money import ZERO, from_cents, money_sum, to_cents, to_money

from .models import DeliveryEvent, Discount, DiscountKind, Merchant, Order, OrderItem, Tender
from .models import TenderMethod as Method
from .services import payload_digest
from .states import OrderStatus as S

DEMO_PASSWORD = "demo12345"
ORDER_PREFIX = "DEMO"
CUSTOMER_ORDER_PREFIX = "DEMOC"
CUSTOMER_COUNT = 200
SEED = 20240611
BATCH_SIZE = 500

# The named demo users, one per role, and the role each holds.
ROLE_USERS: tuple[tuple[str, str], ...] = (
    ("agent", roles.AGENT),
    ("senior_agent", roles.SENIOR_AGENT),
    ("finance", roles.FINANCE),
    ("manager", roles.MANAGER),
    ("integration", roles.INTEGRATION),
    ("customer", roles.CUSTOMER),
)
ADMIN_USERNAME = "admin"
DEMO_CUSTOMER = "customer"

Progress = Callable[[int, int], object]
"""Called with (orders just written, orders to write in all)."""


# --- Merchants and menus --------------------------------------------------------

# Meal slots a kitchen serves; a breakfast order goes to a breakfast place.
BREAKFAST, LUNCH, AFTERNOON, DINNER, LATE = "breakfast", "lunch", "afternoon", "dinner", "late"
MEALS = frozenset({LUNCH, DINNER})


@dataclass(frozen=True)
class Menu:
    dishes: tuple[tuple[str, str], ...]
    slots: frozenset[str]


def _menu(dishes: str, slots: frozenset[str] = MEALS) -> Menu:
    """``"宫保鸡丁 32.00, 米饭 2.00"``: a dish's name holds no space or comma."""
    pairs = [dish.rsplit(" ", 1) for dish in dishes.split(", ")]
    return Menu(tuple((name, price) for name, price in pairs), slots)


MENUS: dict[str, Menu] = {
    "sichuan": _menu(
        "宫保鸡丁 32.00, 鱼香肉丝 28.00, 麻婆豆腐 22.00, "
        "水煮牛肉 48.00, 回锅肉 36.00, 夫妻肺片 38.00, 酸菜鱼 58.00, "
        "干煸四季豆 24.00, 米饭 2.00, 冰镇酸梅汤 6.00",
    ),
    "shaxian": _menu(
        "花生酱拌面 6.00, 扁肉 8.00, 蒸饺 10.00, 乌鸡炖罐 15.00, "
        "鸭腿饭 16.00, 排骨饭 18.00, 卤蛋 2.50, 拌面扁肉套餐 13.00",
        MEALS | {BREAKFAST, LATE},
    ),
    "burger": _menu(
        "香辣鸡腿堡 19.50, 牛肉芝士堡 26.00, 双层牛堡套餐 39.90, "
        "薯条(中) 11.00, 上校鸡块 12.50, 奥尔良烤翅 13.00, "
        "葡式蛋挞 7.50, 可乐(中) 8.00",
        MEALS | {AFTERNOON, LATE},
    ),
    "lanzhou": _menu(
        "牛肉拉面 18.00, 大碗牛肉拉面 22.00, 牛肉炒拉条 24.00, "
        "凉拌牛肉 28.00, 酸辣土豆丝 14.00, 羊肉泡馍 26.00, 卤蛋 3.00",
    ),
    "cantonese": _menu(
        "蜜汁叉烧饭 26.00, 烧鸭饭 28.00, 白切鸡饭 27.00, "
        "干炒牛河 30.00, 鲜虾云吞面 24.00, 菠萝油 12.00, "
        "港式丝袜奶茶 16.00",
        MEALS | {AFTERNOON},
    ),
    "dongbei": _menu(
        "锅包肉 42.00, 地三鲜 26.00, 小鸡炖蘑菇 58.00, "
        "酸菜白肉 38.00, 猪肉酸菜饺子(15个) 25.00, 拍黄瓜 12.00",
    ),
    "hunan": _menu(
        "农家小炒肉 36.00, 剁椒鱼头 68.00, 辣椒炒肉盖饭 22.00, "
        "毛氏红烧肉 48.00, 手撕包菜 20.00, 米饭 2.00",
    ),
    "dumpling": _menu(
        "猪肉白菜水饺 20.00, 三鲜水饺 26.00, 韭菜鸡蛋水饺 19.00, "
        "锅贴 22.00, 酸辣汤 10.00, 小米粥 6.00",
    ),
    "malatang": _menu(
        "麻辣烫(自选) 25.80, 麻辣拌 27.50, 牛肉丸 6.00, 宽粉 4.00, 鸭血 5.00, 可乐 4.00",
        MEALS | {LATE},
    ),
    "huangmenji": _menu(
        "黄焖鸡米饭(小份) 18.00, 黄焖鸡米饭(大份) 24.00, "
        "黄焖排骨饭 26.00, 加土豆 3.00, 加香菇 3.00, 可乐 4.00",
    ),
    "tea": _menu(
        "杨枝甘露 19.00, 珍珠奶茶 14.00, 芝士葡萄 22.00, 手打柠檬茶 12.00, 烧仙草 16.00",
        MEALS | {AFTERNOON},
    ),
    "bbq": _menu(
        "羊肉串(10串) 30.00, 烤鸡翅(2串) 12.00, 蒜蓉烤茄子 15.00, "
        "烤韭菜 8.00, 烤馒头片 6.00, 蒜蓉烤生蚝(6只) 36.00",
        frozenset({DINNER, LATE}),
    ),
    "sushi": _menu(
        "三文鱼寿司拼盘 58.00, 鳗鱼饭 46.00, 照烧鸡排饭 32.00, 加州卷 28.00, 味噌汤 8.00",
    ),
    "pizza": _menu(
        "超级至尊披萨(9寸) 69.00, 榴莲披萨(9寸) 79.00, "
        "意式肉酱面 36.00, 芝士焗饭 38.00, 鸡米花 16.00",
        MEALS | {LATE},
    ),
    "congee": _menu(
        "皮蛋瘦肉粥 14.00, 艇仔粥 16.00, 生滚牛肉粥 22.00, "
        "鲜虾肠粉 12.00, 油条 3.00, 水晶虾饺 18.00",
        MEALS | {BREAKFAST, LATE},
    ),
    "luosifen": _menu(
        "柳州螺蛳粉 18.00, 老友粉 20.00, 桂林米粉 16.00, 加炸蛋 3.00, 加腐竹 3.00",
        MEALS | {LATE},
    ),
    "xiaomian": _menu(
        "重庆小面 12.00, 豌杂面 16.00, 红烧牛肉面 22.00, 红油抄手 16.00, 红糖冰粉 8.00",
        MEALS | {BREAKFAST},
    ),
    "breakfast": _menu(
        "煎饼果子 9.00, 鸡蛋灌饼 8.00, 鲜肉小笼包 15.00, 肉包 3.00, 现磨豆浆 4.00, 茶叶蛋 2.50",
        frozenset({BREAKFAST, LUNCH}),
    ),
    "hangzhou": _menu(
        "东坡肉 42.00, 西湖醋鱼 68.00, 龙井虾仁 78.00, 片儿川 24.00, 葱包桧 12.00",
    ),
    "xinjiang": _menu(
        "新疆大盘鸡 88.00, 羊肉手抓饭 32.00, 过油肉拌面 30.00, 烤包子 8.00, 红柳羊肉串 6.00",
        MEALS | {LATE},
    ),
    "coffee": _menu(
        "生椰拿铁 19.00, 美式咖啡 15.00, 厚乳拿铁 21.00, 黄油可颂 12.00, 提拉米苏 22.00",
        frozenset({BREAKFAST, AFTERNOON}),
    ),
    "salad": _menu(
        "鸡胸肉沙拉 32.00, 牛油果虾仁沙拉 42.00, 藜麦能量碗 38.00, 冷压橙汁 22.00",
    ),
    "fried_chicken": _menu(
        "原味炸鸡(半只) 39.00, 甜辣炸鸡(半只) 42.00, 芝士年糕 16.00, 芝士球 14.00, 冰啤酒 10.00",
        frozenset({AFTERNOON, DINNER, LATE}),
    ),
    "maocai": _menu(
        "荤素冒菜 32.00, 肥牛冒菜 38.00, 冒脑花 18.00, 米饭 2.00, 红糖冰粉 7.00",
        MEALS | {LATE},
    ),
}

# (code, name, menu, how busy): a chain's branches share their menu.
MERCHANTS: tuple[tuple[str, str, str, int], ...] = (
    ("MCH10001", "老王川菜馆", "sichuan", 9),
    ("MCH10002", "沙县小吃(科技园店)", "shaxian", 10),
    ("MCH10003", "沙县小吃(大学城店)", "shaxian", 6),
    ("MCH10004", "麦香汉堡", "burger", 9),
    ("MCH10005", "兰州拉面", "lanzhou", 8),
    ("MCH10006", "港记茶餐厅", "cantonese", 6),
    ("MCH10007", "老东北家常菜", "dongbei", 4),
    ("MCH10008", "湘里人家", "hunan", 6),
    ("MCH10009", "北方饺子馆", "dumpling", 5),
    ("MCH10010", "张姐麻辣烫", "malatang", 8),
    ("MCH10011", "黄焖鸡米饭(科技园店)", "huangmenji", 9),
    ("MCH10012", "黄焖鸡米饭(西丽店)", "huangmenji", 5),
    ("MCH10013", "茶语时光奶茶", "tea", 7),
    ("MCH10014", "老李烧烤", "bbq", 6),
    ("MCH10015", "樱花寿司", "sushi", 3),
    ("MCH10016", "意式披萨工坊", "pizza", 4),
    ("MCH10017", "潮汕砂锅粥", "congee", 5),
    ("MCH10018", "柳州螺蛳粉", "luosifen", 6),
    ("MCH10019", "重庆小面", "xiaomian", 6),
    ("MCH10020", "早安煎饼", "breakfast", 5),
    ("MCH10021", "西湖人家杭帮菜", "hangzhou", 3),
    ("MCH10022", "新疆大盘鸡", "xinjiang", 4),
    ("MCH10023", "街角咖啡", "coffee", 5),
    ("MCH10024", "轻食主义沙拉", "salad", 3),
    ("MCH10025", "韩式炸鸡屋", "fried_chicken", 5),
    ("MCH10026", "成都冒菜", "maocai", 5),
    ("MCH10027", "蜀香川菜馆(宝安店)", "sichuan", 4),
    ("MCH10028", "麦香汉堡(福田店)", "burger", 5),
    ("MCH10029", "兰州拉面(龙华店)", "lanzhou", 4),
    ("MCH10030", "老王川菜馆(南山店)", "sichuan", 4),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN_NAMES = "伟芳娜敏静磊洋婷强军杰涛明超霞"
PHONE_PREFIXES = ("135", "136", "137", "138", "139", "150", "152", "158", "186", "188")
CARD_PREFIXES = ("6222", "6217", "6228", "6225", "6214")


@dataclass(frozen=True)
class MerchantRow:
    pk: int
    code: str
    name: str
    menu: Menu
    weight: int


@dataclass(frozen=True)
class CustomerRow:
    pk: int
    username: str
    date_joined: datetime


# --- One order, planned in memory -------------------------------------------------


@dataclass(frozen=True)
class ItemPlan:
    sku: str
    name: str
    unit_price: Decimal
    quantity: int


@dataclass(frozen=True)
class TenderPlan:
    method: str
    amount: Decimal
    account: str


@dataclass(frozen=True)
class OrderPlan:
    number: str
    customer: CustomerRow
    merchant: MerchantRow
    placed_at: datetime
    promised_at: datetime
    events: tuple[tuple[str, datetime], ...]
    items: tuple[ItemPlan, ...]
    delivery_fee: Decimal
    packaging_fee: Decimal
    discounts: tuple[tuple[str, Decimal], ...]
    tenders: tuple[TenderPlan, ...]

    @property
    def status(self) -> str:
        return self.events[-1][0]

    @property
    def delivered_at(self) -> datetime | None:
        status, at = self.events[-1]
        return at if status == S.DELIVERED else None

    @property
    def items_total(self) -> Decimal:
        return money_sum([i.unit_price * i.quantity for i in self.items])

    @property
    def discount_total(self) -> Decimal:
        return money_sum([amount for _kind, amount in self.discounts])

    @property
    def paid_total(self) -> Decimal:
        return self.items_total + self.delivery_fee + self.packaging_fee - self.discount_total

    def payload(self) -> dict[str, Any]:
        """The order as ``OrderCreateSerializer.validated_data`` holds it, the
        shape ``payload_digest`` is taken of when the ordering system posts it."""
        return {
            "number": self.number,
            "customer": self.customer.username,
            "merchant": {"code": self.merchant.code, "name": self.merchant.name},
            "placed_at": self.placed_at,
            "promised_at": self.promised_at,
            "status": str(self.status),
            "delivered_at": self.delivered_at,
            "items": [
                {"sku": i.sku, "name": i.name, "unit_price": i.unit_price, "quantity": i.quantity}
                for i in self.items
            ],
            "delivery_fee": self.delivery_fee,
            "packaging_fee": self.packaging_fee,
            "discounts": [{"kind": kind, "amount": amount} for kind, amount in self.discounts],
            "tenders": [
                {"method": t.method, "amount": t.amount, "account": t.account} for t in self.tenders
            ],
        }


@dataclass
class SeedResult:
    merchants_created: int = 0
    customers_created: int = 0
    users_created: list[str] = field(default_factory=list)
    orders_created: int = 0
    orders_existing: int = 0
    items: int = 0
    discounts: int = 0
    tenders: int = 0
    events: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def _rng(*key: object) -> random.Random:
    # A string seed is hashed with SHA-512, so the stream is the same in
    # every process (unlike hash()), which is what makes reruns idempotent.
    return random.Random(":".join(str(k) for k in (SEED, *key)))  # noqa: S311 (demo data)


def order_number(index: int) -> str:
    return f"{ORDER_PREFIX}{index:06d}"


def customer_username(index: int) -> str:
    return f"customer{index:03d}"


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock time ``months`` calendar months earlier (the day
    clamped to the month's length: 31 March less one month is 28/29 Feb)."""
    year, month0 = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


# --- Users ------------------------------------------------------------------------


def _ensure_role_users(result: SeedResult) -> None:
    """The named demo users; one that already exists is left as it is."""
    User = get_user_model()
    existing = set(
        User.objects.filter(
            username__in=[name for name, _role in ROLE_USERS] + [ADMIN_USERNAME]
        ).values_list("username", flat=True)
    )
    for username, role in ROLE_USERS:
        if username in existing:
            continue
        # The demo customer is a regular of long standing, so that risk
        # review does not flag every request of theirs as a new account.
        joined_days_ago = 400 if role == roles.CUSTOMER else None
        user_create(
            username=username,
            role=role,
            password=DEMO_PASSWORD,
            email=f"{username}@example.com",
            joined_days_ago=joined_days_ago,
        )
        result.users_created.append(username)
    if ADMIN_USERNAME not in existing:
        User.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", DEMO_PASSWORD)
        result.users_created.append(ADMIN_USERNAME)


def _customer_join_times(now: datetime, window_start: datetime) -> list[datetime]:
    """When each of the demo customers signed up, oldest first (customer001
    is the platform's first): most long before the window, some during it,
    and about 5 % in the last 7 days, the accounts risk review flags as new."""
    rng = _rng("customers")
    joined = []
    for index in range(CUSTOMER_COUNT):
        share = index / CUSTOMER_COUNT
        if share < 0.75:
            at = window_start - timedelta(days=rng.randint(1, 900), seconds=rng.randint(0, 86399))
        elif share < 0.95:
            span = max(int((now - timedelta(days=8) - window_start).total_seconds()), 1)
            at = window_start + timedelta(seconds=rng.randint(0, span))
        else:
            at = now - timedelta(days=rng.randint(1, 6), seconds=rng.randint(0, 86399))
        joined.append(at)
    return sorted(joined)


def _ensure_customers(now: datetime, window_start: datetime, result: SeedResult) -> None:
    User = get_user_model()
    usernames = [customer_username(i) for i in range(1, CUSTOMER_COUNT + 1)]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    missing = [
        (username, joined)
        for username, joined in zip(usernames, _customer_join_times(now, window_start), strict=True)
        if username not in existing
    ]
    if not missing:
        return
    # One hash for all: hashing 200 passwords one by one would take a minute
    # of PBKDF2, for demo accounts whose password is printed anyway.
    password = make_password(DEMO_PASSWORD)
    names = _rng("names")
    group = Group.objects.get(name=roles.CUSTOMER)
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                username=username,
                email=f"{username}@example.com",
                last_name=names.choice(SURNAMES),
                first_name="".join(names.choices(GIVEN_NAMES, k=names.choice((1, 2)))),
                password=password,
                date_joined=joined,
            )
            for username, joined in missing
        )
        if any(u.pk is None for u in users):
            users = list(User.objects.filter(username__in=[u.username for u in users]))
        Membership = User.groups.through
        Membership.objects.bulk_create(Membership(user_id=u.pk, group_id=group.pk) for u in users)
    result.customers_created = len(users)


def _customer_pool() -> list[CustomerRow]:
    """The demo customers who hold the customer role, oldest account first."""
    rows = (
        get_user_model()
        .objects.filter(
            username__in=[customer_username(i) for i in range(1, CUSTOMER_COUNT + 1)],
            groups__name=roles.CUSTOMER,
        )
        .order_by("date_joined", "username")
        .values_list("pk", "username", "date_joined")
    )
    return [CustomerRow(pk, username, joined) for pk, username, joined in rows]


# --- Merchants --------------------------------------------------------------------


def _ensure_merchants(result: SeedResult) -> list[MerchantRow]:
    codes = [code for code, *_rest in MERCHANTS]
    existing = set(Merchant.objects.filter(code__in=codes).values_list("code", flat=True))
    new = [
        Merchant(code=code, name=name) for code, name, *_rest in MERCHANTS if code not in existing
    ]
    Merchant.objects.bulk_create(new)
    result.merchants_created = len(new)
    # A merchant that already existed keeps its stored name, and the payload
    # carries that name: posting another would rename it.
    stored = dict(Merchant.objects.filter(code__in=codes).values_list("code", "pk"))
    names = dict(Merchant.objects.filter(code__in=codes).values_list("code", "name"))
    return [
        MerchantRow(stored[code], code, names[code], MENUS[menu], weight)
        for code, _name, menu, weight in MERCHANTS
    ]


# --- Planning an order ------------------------------------------------------------

# Share of each meal slot in a day's orders, and its local time window in
# minutes after midnight (late night runs past midnight into the next day).
SLOTS: tuple[tuple[str, int, int, int], ...] = (
    (BREAKFAST, 7, 7 * 60, 9 * 60 + 30),
    (LUNCH, 40, 10 * 60 + 30, 14 * 60 + 30),
    (AFTERNOON, 8, 14 * 60 + 30, 17 * 60),
    (DINNER, 35, 16 * 60 + 30, 21 * 60),
    (LATE, 10, 21 * 60, 25 * 60 + 30),
)
PEAKS = {LUNCH: (12 * 60 + 5, 40), DINNER: (18 * 60 + 40, 50)}

# Where in [0, 1) an index's outcome falls (see _outcome).
OUTCOMES: tuple[tuple[float, str], ...] = (
    (0.03, "cancelled"),
    (0.05, "delivery_failed"),
    (0.07, "late_60"),
    (0.11, "late_30"),
    (0.19, "late_15"),
    (1.00, "on_time"),
)
LATENESS_SECONDS = {
    "on_time": (-12 * 60, 14 * 60 + 59),
    "late_15": (15 * 60, 29 * 60 + 59),
    "late_30": (30 * 60, 59 * 60 + 59),
    "late_60": (60 * 60, 150 * 60),
}
GOLDEN = 0.6180339887498949
SILVER = 0.4142135623730951

DELIVERY_FEES = (
    ("0.00", 15),
    ("1.00", 8),
    ("2.00", 12),
    ("2.50", 10),
    ("3.00", 18),
    ("3.50", 10),
    ("4.00", 12),
    ("5.00", 8),
    ("6.00", 7),
)
# Store promotions are 满减: spend at least the first, get the second off.
PROMOTION_TIERS = (
    ("120.00", "25.00"),
    ("80.00", "18.00"),
    ("50.00", "10.00"),
    ("35.00", "6.00"),
    ("20.00", "3.00"),
)
SINGLE_METHODS = ((Method.ALIPAY, 42), (Method.WECHAT, 40), (Method.CARD, 8), (Method.WALLET, 10))
FAIL_ONCE_SHARE = 0.015
DECLINE_SHARE = 0.003


def _outcome(index: int) -> str:
    # A golden-ratio sequence rather than rng.random(): even 40 orders get
    # every outcome in about its share, so a small demo still shows late and
    # failed deliveries.
    point = (index * GOLDEN) % 1.0
    return next(name for bound, name in OUTCOMES if point < bound)


def _pick_placed_at(
    rng: random.Random, now: datetime, window_start: datetime, tz: ZoneInfo
) -> tuple[datetime, str]:
    """A believable order time in the window and its meal slot: more orders
    in recent months (the platform grows) and at weekends, peaks at lunch
    and dinner."""
    first_day = window_start.astimezone(tz).date()
    days = (now.astimezone(tz).date() - first_day).days
    for _attempt in range(1000):
        day_index = rng.randint(0, days)
        day = first_day + timedelta(days=day_index)
        weight = (0.7 + 0.6 * day_index / max(days, 1)) * (1.15 if day.weekday() >= 5 else 1.0)
        if rng.random() * 1.5 > weight:
            continue
        slot, minute = _pick_minute(rng)
        placed = _local(day, tz) + timedelta(minutes=minute, seconds=rng.randint(0, 59))
        if window_start <= placed <= now:
            return placed.astimezone(UTC), slot
    # Unreachable with a window of a month or more; keeps the loop bounded.
    return now - timedelta(hours=2), LUNCH


def _local(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def _pick_minute(rng: random.Random) -> tuple[str, int]:
    slot, _share, start, end = rng.choices(SLOTS, weights=[s[1] for s in SLOTS])[0]
    if slot in PEAKS:
        centre, spread = PEAKS[slot]
        return slot, int(min(max(rng.gauss(centre, spread), start), end))
    return slot, rng.randint(start, end)


def _timeline(
    rng: random.Random, placed_at: datetime, promised_at: datetime, outcome: str
) -> list[tuple[str, datetime]]:
    """The delivery events of an order's whole life, some perhaps still in the future."""
    seconds = rng.randint
    accepted = placed_at + timedelta(seconds=seconds(30, 300))
    events = [(S.PLACED, placed_at)]
    if outcome == "cancelled":
        if rng.random() < 0.5:
            events.append((S.ACCEPTED, accepted))
            return [*events, (S.CANCELLED, accepted + timedelta(seconds=seconds(60, 1200)))]
        return [*events, (S.CANCELLED, placed_at + timedelta(seconds=seconds(120, 900)))]
    if outcome == "delivery_failed":
        picked_up = placed_at + timedelta(seconds=seconds(12 * 60, 28 * 60))
        failed = promised_at + timedelta(seconds=seconds(0, 45 * 60))
        return [
            *events,
            (S.ACCEPTED, accepted),
            (S.PICKED_UP, picked_up),
            (S.DELIVERY_FAILED, failed),
        ]
    low, high = LATENESS_SECONDS[outcome]
    delivered = promised_at + timedelta(seconds=seconds(low, high))
    # The rider needs 6-20 minutes; the kitchen at least 5 after accepting.
    ride = timedelta(seconds=seconds(6 * 60, 20 * 60))
    picked_up = max(delivered - ride, accepted + timedelta(minutes=5))
    return [*events, (S.ACCEPTED, accepted), (S.PICKED_UP, picked_up), (S.DELIVERED, delivered)]


def _items(rng: random.Random, merchant: MerchantRow) -> tuple[ItemPlan, ...]:
    dishes = list(enumerate(merchant.menu.dishes, start=1))
    lines = min(rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0], len(dishes))
    return tuple(
        ItemPlan(
            sku=f"{merchant.code}-{position:02d}",
            name=name,
            unit_price=to_money(price),
            quantity=rng.choices((1, 2, 3), weights=(75, 20, 5))[0],
        )
        for position, (name, price) in sorted(rng.sample(dishes, lines))
    )


def _cents(rng: random.Random, low: str, high: str, step: int = 1) -> Decimal:
    return from_cents(rng.randrange(to_cents(Decimal(low)), to_cents(Decimal(high)) + 1, step))


def _discounts(
    rng: random.Random, items_total: Decimal, gross: Decimal
) -> tuple[tuple[str, Decimal], ...]:
    """About a third of orders pay full price; the rest stack store
    promotions, platform coupons, red packets and points, as the apps do."""
    found: list[tuple[str, Decimal]] = []
    if rng.random() < 0.40:
        tier = next((off for floor, off in PROMOTION_TIERS if items_total >= Decimal(floor)), None)
        if tier is not None:
            found.append((DiscountKind.PROMOTION, to_money(tier)))
    if rng.random() < 0.20:
        amount = to_money(rng.choice(("3.00", "5.00", "8.00", "10.00")))
        if items_total >= amount * 3:
            found.append((DiscountKind.COUPON, amount))
    if rng.random() < 0.20:
        found.append((DiscountKind.RED_PACKET, _cents(rng, "1.00", "6.00", step=50)))
    if rng.random() < 0.08:
        found.append((DiscountKind.POINTS, _cents(rng, "0.10", "3.00", step=10)))
    # Never more than the order is worth, and something is always paid, so
    # that every order has a tender to refund to.
    while found and money_sum([a for _k, a in found]) > gross - Decimal("1.00"):
        found.pop()
    return tuple(found)


def _phone(username: str) -> str:
    rng = _rng("phone", username)
    return f"{rng.choice(PHONE_PREFIXES)}****{rng.randint(0, 9999):04d}"


def _steering(index: int) -> str:
    """The sandbox gateways' steering word for an order's last tender, so
    that payout demos show retries and declines. Spread like the outcomes
    (another irrational step, so it does not follow them) to keep the
    shares steady in small runs."""
    point = (index * SILVER) % 1.0
    if point < DECLINE_SHARE:
        return "decline"
    if point < DECLINE_SHARE + FAIL_ONCE_SHARE:
        return "fail-once"
    return ""


def _account(method: str, customer: CustomerRow) -> str:
    """A masked account, the same for a customer's every order."""
    if method == Method.CARD:
        card = _rng("card", customer.username)
        return f"card:{card.choice(CARD_PREFIXES)}****{card.randint(0, 9999):04d}"
    if method == Method.WALLET:
        return f"wallet:{customer.username}"
    return f"{method}:{_phone(customer.username)}"


def _tenders(
    rng: random.Random, paid_total: Decimal, customer: CustomerRow, steering: str
) -> tuple[TenderPlan, ...]:
    """Mostly one tender; about one in ten orders spends the wallet balance
    first and pays the rest by another method."""
    if rng.random() < 0.10 and paid_total >= Decimal("2.00"):
        wallet = _cents(rng, "1.00", str(min(paid_total - Decimal("1.00"), Decimal("30.00"))))
        other = rng.choices((Method.ALIPAY, Method.WECHAT, Method.CARD), weights=(45, 45, 10))[0]
        paid = [(str(Method.WALLET), wallet), (str(other), paid_total - wallet)]
    else:
        methods = [str(m) for m, _w in SINGLE_METHODS]
        method = rng.choices(methods, weights=[w for _m, w in SINGLE_METHODS])[0]
        paid = [(method, paid_total)]
    last = len(paid) - 1
    return tuple(
        TenderPlan(
            method,
            amount,
            f"{_account(method, customer)}:{steering}"
            if steering and position == last
            else _account(method, customer),
        )
        for position, (method, amount) in enumerate(paid)
    )


def _money(
    rng: random.Random, merchant: MerchantRow, customer: CustomerRow, steering: str
) -> dict[str, Any]:
    items = _items(rng, merchant)
    items_total = money_sum([i.unit_price * i.quantity for i in items])
    delivery_fee = to_money(
        rng.choices([fee for fee, _w in DELIVERY_FEES], weights=[w for _f, w in DELIVERY_FEES])[0]
    )
    # Fifty fen to a yuan of packaging per line, at most three yuan.
    packaging_fee = (
        ZERO
        if rng.random() < 0.10
        else min(money_sum([_cents(rng, "0.50", "1.00", step=50) for _i in items]), Decimal("3.00"))
    )
    gross = items_total + delivery_fee + packaging_fee
    discounts = _discounts(rng, items_total, gross)
    paid_total = gross - money_sum([a for _k, a in discounts])
    return {
        "items": items,
        "delivery_fee": delivery_fee,
        "packaging_fee": packaging_fee,
        "discounts": discounts,
        "tenders": _tenders(rng, paid_total, customer, steering),
    }


def _plan_order(
    index: int,
    *,
    now: datetime,
    window_start: datetime,
    tz: ZoneInfo,
    merchants: Sequence[MerchantRow],
    customers: Sequence[CustomerRow],
    join_times: Sequence[datetime],
) -> OrderPlan:
    rng = _rng("order", index)
    placed_at, slot = _pick_placed_at(rng, now, window_start, tz)
    serving = [m for m in merchants if slot in m.menu.slots] or list(merchants)
    merchant = rng.choices(serving, weights=[m.weight for m in serving])[0]
    # Only customers who had signed up by then can have placed it.
    eligible = max(bisect.bisect_right(join_times, placed_at), 1)
    customer = customers[rng.randrange(eligible)]
    promised_at = placed_at + timedelta(seconds=rng.randint(30 * 60, 50 * 60))
    timeline = _timeline(rng, placed_at, promised_at, _outcome(index))
    # An order placed minutes ago is still on its way: keep what has happened.
    events = tuple(event for event in timeline if event[1] <= now)
    return OrderPlan(
        number=order_number(index),
        customer=customer,
        merchant=merchant,
        placed_at=placed_at,
        promised_at=promised_at,
        events=events,
        **_money(rng, merchant, customer, _steering(index)),
    )


# The demo customer's own recent orders, one per thing worth trying in the
# portal: (minutes ago placed, minutes promised, events as minutes after
# placing, tender accounts' steering word).
CUSTOMER_SCENARIOS: tuple[tuple[int, int, tuple[tuple[str, int], ...], str], ...] = (
    # On time two hours ago: photo evidence claims (food quality, missing items).
    (180, 40, ((S.ACCEPTED, 2), (S.PICKED_UP, 18), (S.DELIVERED, 35)), "fail-once"),
    # 20 minutes late: a late_delivery claim gets 20 %.
    (360, 35, ((S.ACCEPTED, 3), (S.PICKED_UP, 30), (S.DELIVERED, 55)), ""),
    # 40 minutes late: 50 %.
    (300, 40, ((S.ACCEPTED, 4), (S.PICKED_UP, 50), (S.DELIVERED, 80)), ""),
    # 75 minutes late, paid from an account the gateway declines: a payout
    # for finance to reroute to the wallet.
    (480, 45, ((S.ACCEPTED, 5), (S.PICKED_UP, 90), (S.DELIVERED, 120)), "decline"),
    # Promised an hour ago and still on the road: not_delivered is approved.
    (100, 40, ((S.ACCEPTED, 3), (S.PICKED_UP, 25)), ""),
    # Being cooked: too early for not_delivered, changed_mind goes to an agent.
    (10, 35, ((S.ACCEPTED, 2),), ""),
    # Cancelled by the merchant yesterday: refunded in full.
    (1200, 40, ((S.ACCEPTED, 3), (S.CANCELLED, 15)), ""),
    # Delivered three days ago: the filing window has closed.
    (3 * 24 * 60, 40, ((S.ACCEPTED, 2), (S.PICKED_UP, 15), (S.DELIVERED, 33)), ""),
)


def _plan_customer_order(
    index: int, *, now: datetime, merchants: Sequence[MerchantRow], customer: CustomerRow
) -> OrderPlan:
    minutes_ago, promised_in, steps, steering = CUSTOMER_SCENARIOS[index - 1]
    rng = _rng("customer-order", index)
    placed_at = now - timedelta(minutes=minutes_ago)
    merchant = rng.choices(merchants, weights=[m.weight for m in merchants])[0]
    money = _money(rng, merchant, customer, steering)
    return OrderPlan(
        number=f"{CUSTOMER_ORDER_PREFIX}{index:04d}",
        customer=customer,
        merchant=merchant,
        placed_at=placed_at,
        promised_at=placed_at + timedelta(minutes=promised_in),
        events=((S.PLACED, placed_at), *((s, placed_at + timedelta(minutes=m)) for s, m in steps)),
        **money,
    )


# --- Writing ----------------------------------------------------------------------


def _insert(plans: Sequence[OrderPlan], result: SeedResult) -> None:
    """One batch of orders and everything under them, in one transaction."""
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            Order(
                number=plan.number,
                customer_id=plan.customer.pk,
                merchant_id=plan.merchant.pk,
                status=plan.status,
                placed_at=plan.placed_at,
                promised_at=plan.promised_at,
                delivered_at=plan.delivered_at,
                items_total=plan.items_total,
                delivery_fee=plan.delivery_fee,
                packaging_fee=plan.packaging_fee,
                discount_total=plan.discount_total,
                paid_total=plan.paid_total,
                payload_digest=payload_digest(plan.payload()),
            )
            for plan in plans
        )
        # Backends that cannot return ids from a bulk insert leave pk unset.
        if any(order.pk is None for order in orders):
            pks = dict(
                Order.objects.filter(number__in=[p.number for p in plans]).values_list(
                    "number", "pk"
                )
            )
            for order in orders:
                order.pk = pks[order.number]
        items: list[OrderItem] = []
        discounts: list[Discount] = []
        tenders: list[Tender] = []
        events: list[DeliveryEvent] = []
        for plan, order in zip(plans, orders, strict=True):
            items += [
                OrderItem(
                    order_id=order.pk,
                    position=position,
                    sku=item.sku,
                    name=item.name,
                    unit_price=item.unit_price,
                    quantity=item.quantity,
                )
                for position, item in enumerate(plan.items)
            ]
            discounts += [
                Discount(order_id=order.pk, kind=kind, amount=amount)
                for kind, amount in plan.discounts
            ]
            tenders += [
                Tender(
                    order_id=order.pk,
                    position=position,
                    method=tender.method,
                    amount=tender.amount,
                    account=tender.account,
                )
                for position, tender in enumerate(plan.tenders)
            ]
            events += [
                DeliveryEvent(order_id=order.pk, status=status, at=at) for status, at in plan.events
            ]
        OrderItem.objects.bulk_create(items)
        Discount.objects.bulk_create(discounts)
        Tender.objects.bulk_create(tenders)
        DeliveryEvent.objects.bulk_create(events)
    result.orders_created += len(orders)
    result.items += len(items)
    result.discounts += len(discounts)
    result.tenders += len(tenders)
    result.events += len(events)


def seed_demo(
    *, orders: int = 2000, months: int = 6, progress: Progress | None = None
) -> SeedResult:
    """Create what is missing of the demo data set of ``orders`` orders over
    the last ``months`` months; what exists already is left alone."""
    if orders < 0:
        raise ValueError("--orders cannot be negative")
    if not 1 <= months <= 120:
        raise ValueError("--months must be between 1 and 120")
    started = time.monotonic()
    result = SeedResult()
    tz = ZoneInfo(settings.TIME_ZONE)
    now = clock.now().replace(microsecond=0).astimezone(UTC)
    window_start = months_before(now.astimezone(tz), months).astimezone(UTC)

    _ensure_role_users(result)
    _ensure_customers(now, window_start, result)
    merchants = _ensure_merchants(result)
    customers = _customer_pool()
    if not customers:
        raise ValueError("no demo customer holds the customer role; cannot place orders")
    join_times = [c.date_joined for c in customers]

    existing = set(
        Order.objects.filter(number__startswith=ORDER_PREFIX).values_list("number", flat=True)
    )
    todo = [i for i in range(1, orders + 1) if order_number(i) not in existing]
    scenario_numbers = range(1, len(CUSTOMER_SCENARIOS) + 1)
    customer_todo = [
        i for i in scenario_numbers if f"{CUSTOMER_ORDER_PREFIX}{i:04d}" not in existing
    ]
    result.orders_existing = orders - len(todo) + len(CUSTOMER_SCENARIOS) - len(customer_todo)
    demo_customer = _demo_customer()
    if demo_customer is None and customer_todo:
        result.warnings.append(
            f"User {DEMO_CUSTOMER!r} does not hold the customer role: "
            "their demo orders were skipped."
        )
        customer_todo = []
    total = len(todo) + len(customer_todo)
    if progress is not None:
        progress(0, total)

    if customer_todo and demo_customer is not None:
        plans = [
            _plan_customer_order(i, now=now, merchants=merchants, customer=demo_customer)
            for i in customer_todo
        ]
        _insert(plans, result)
        if progress is not None:
            progress(len(plans), total)
    for start in range(0, len(todo), BATCH_SIZE):
        plans = [
            _plan_order(
                index,
                now=now,
                window_start=window_start,
                tz=tz,
                merchants=merchants,
                customers=customers,
                join_times=join_times,
            )
            for index in todo[start : start + BATCH_SIZE]
        ]
        _insert(plans, result)
        if progress is not None:
            progress(len(plans), total)
    result.seconds = time.monotonic() - started
    return result


def _demo_customer() -> CustomerRow | None:
    row = (
        get_user_model()
        .objects.filter(username=DEMO_CUSTOMER, groups__name=roles.CUSTOMER)
        .values_list("pk", "username", "date_joined")
        .first()
    )
    return CustomerRow(*row) if row is not None else None


def demo_logins() -> list[tuple[str, str, str]]:
    """(user, role, password) of the named demo users, for the command to print."""
    return [(name, role, DEMO_PASSWORD) for name, role in ROLE_USERS] + [
        (ADMIN_USERNAME, "superuser", DEMO_PASSWORD)
    ]
