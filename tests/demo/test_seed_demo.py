"""``manage.py seed_demo``: believable demo data that adds up, agrees with its
delivery timelines, can be loaded twice, and that the ordering system could
have posted itself."""

import itertools
import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Prefetch
from django.utils import timezone

from accounts import roles
from demo.orders import CUSTOMER_SCENARIOS, months_before, order_number
from demo.people import DEMO_PASSWORD, ROLE_USERS
from demo.seed import seed_demo
from orders import states
from orders.models import DeliveryEvent, Discount, Merchant, Order, OrderItem, Tender
from refundportal.money import money_sum
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ORDERS = 60
MONTHS = 2
ACCOUNT = re.compile(
    r"^(alipay:1\d\d\*{4}\d{4}|wechat:1\d\d\*{4}\d{4}|card:62\d\d\*{4}\d{4}|wallet:\w+)"
    r"(:fail-once|:decline)?$"
)


def seed(orders: int = ORDERS, months: int = MONTHS) -> str:
    out = StringIO()
    call_command("seed_demo", orders=orders, months=months, verbosity=0, stdout=out)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (get_user_model(), Merchant, Order, OrderItem, Discount, Tender, DeliveryEvent)
    }


def orders_with_everything() -> list[Order]:
    return list(
        Order.objects.select_related("customer", "merchant").prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.order_by("position")),
            Prefetch("discounts", queryset=Discount.objects.order_by("id")),
            Prefetch("tenders", queryset=Tender.objects.order_by("position")),
            Prefetch("events", queryset=DeliveryEvent.objects.order_by("at", "id")),
        )
    )


def lateness_minutes(order: Order) -> float:
    assert order.delivered_at is not None
    return (order.delivered_at - order.promised_at).total_seconds() / 60


def test_seed_demo_creates_merchants_customers_and_orders():
    output = seed()

    assert Merchant.objects.count() == 30
    assert Order.objects.filter(number__regex=r"^DEMO\d{6}$").count() == ORDERS
    scenario_orders = Order.objects.filter(customer__username="customer")
    assert scenario_orders.count() == len(CUSTOMER_SCENARIOS)
    customers = get_user_model().objects.filter(
        username__regex=r"^customer\d{3}$", groups__name=roles.CUSTOMER
    )
    assert customers.count() == 200
    assert re.search(rf"{ORDERS + len(CUSTOMER_SCENARIOS)} orders created", output)
    assert re.search(r" in \d+\.\d s$", output.splitlines()[0])


def test_merchants_and_dishes_have_chinese_names_and_yuan_prices():
    seed()

    for merchant in Merchant.objects.all():
        assert re.search(r"[\u4e00-\u9fff]", merchant.name), merchant.name
    for item in OrderItem.objects.all():
        assert re.search(r"[\u4e00-\u9fff]", item.name), item.name
        assert item.unit_price > 0
        assert item.unit_price.as_tuple().exponent == -2


def test_second_run_with_the_same_arguments_creates_nothing():
    seed()
    before = table_counts()
    digests = dict(Order.objects.values_list("number", "payload_digest"))

    output = seed()

    assert table_counts() == before
    assert dict(Order.objects.values_list("number", "payload_digest")) == digests
    assert output.startswith("seed_demo: 0 orders created")


def test_a_larger_run_adds_only_the_missing_orders():
    seed(orders=40)
    first = dict(Order.objects.values_list("number", "payload_digest"))

    result = seed_demo(orders=ORDERS, months=MONTHS)

    assert result.orders_created == ORDERS - 40
    assert result.orders_existing == 40 + len(CUSTOMER_SCENARIOS)
    assert (result.merchants_created, result.customers_created, result.users_created) == (0, 0, [])
    after = dict(Order.objects.values_list("number", "payload_digest"))
    assert {n: after[n] for n in first} == first
    assert sorted(set(after) - set(first)) == [order_number(i) for i in range(41, ORDERS + 1)]


def test_every_order_adds_up_to_its_tenders():
    seed()

    for order in orders_with_everything():
        items = list(order.items.all())
        discounts = list(order.discounts.all())
        tenders = list(order.tenders.all())
        assert 1 <= len(items) <= 4
        assert all(1 <= item.quantity <= 3 for item in items)
        assert Decimal("0") <= order.delivery_fee <= Decimal("6")
        assert Decimal("0") <= order.packaging_fee <= Decimal("3")
        items_total = money_sum([item.unit_price * item.quantity for item in items])
        gross = items_total + order.delivery_fee + order.packaging_fee
        discount_total = money_sum([d.amount for d in discounts])
        assert order.items_total == items_total
        assert order.discount_total == discount_total <= gross
        assert order.paid_total == gross - discount_total
        assert order.paid_total == money_sum([t.amount for t in tenders])
        assert 1 <= len(tenders) <= 2
        for tender in tenders:
            assert tender.amount > 0
            assert tender.method == tender.account.split(":")[0]
            assert ACCOUNT.match(tender.account), tender.account


def test_discounts_and_tenders_are_varied():
    seed(orders=400)

    generated = Order.objects.filter(number__regex=r"^DEMO\d{6}$")
    kinds = set(Discount.objects.filter(order__in=generated).values_list("kind", flat=True))
    assert kinds == {"coupon", "red_packet", "points", "promotion"}
    assert Order.objects.filter(discounts__isnull=True).exists()
    assert set(Tender.objects.values_list("method", flat=True)) == {
        "alipay",
        "wechat",
        "card",
        "wallet",
    }
    split = Order.objects.filter(tenders__position=1)
    assert 0 < split.count() < Order.objects.count() / 4
    accounts = list(Tender.objects.filter(order__in=generated).values_list("account", flat=True))
    fail_once = [a for a in accounts if a.endswith(":fail-once")]
    declined = [a for a in accounts if a.endswith(":decline")]
    assert 0.005 * len(accounts) <= len(fail_once) <= 0.03 * len(accounts)
    assert 1 <= len(declined) < len(fail_once)


def test_status_and_delivered_at_agree_with_the_last_event():
    seed()
    now = timezone.now()

    for order in orders_with_everything():
        events = list(order.events.all())
        assert (events[0].status, events[0].at) == ("placed", order.placed_at)
        for earlier, later in itertools.pairwise(events):
            assert earlier.at <= later.at
            assert states.can_move(earlier.status, later.status), order.number
        assert events[-1].at <= now
        assert order.status == events[-1].status
        if order.status == "delivered":
            assert order.delivered_at == events[-1].at
        else:
            assert order.delivered_at is None
        promise = order.promised_at - order.placed_at
        assert timedelta(minutes=30) <= promise <= timedelta(minutes=50)


def test_orders_still_on_their_way_were_placed_in_the_last_hours():
    seed()
    now = timezone.now()

    in_progress = Order.objects.exclude(status__in=states.FINAL)
    assert in_progress.exists()
    for order in in_progress:
        assert order.placed_at >= now - timedelta(hours=4), order.number


def test_most_deliveries_are_on_time_some_late_some_failed():
    seed()
    # The demo customer's hand-made orders cover every case anyway: look
    # only at the generated ones.
    generated = Order.objects.filter(number__regex=r"^DEMO\d{6}$")

    late = [lateness_minutes(o) for o in generated.filter(status="delivered")]
    assert len([m for m in late if m < 15]) > 0.7 * len(late)
    assert any(15 <= m < 30 for m in late)
    assert any(30 <= m < 60 for m in late)
    assert any(m >= 60 for m in late)
    assert generated.filter(status="cancelled").exists()
    assert generated.filter(status="delivery_failed").exists()
    not_delivered = generated.filter(status__in=["cancelled", "delivery_failed"]).count()
    assert not_delivered < 0.15 * ORDERS


def test_orders_spread_over_the_requested_months_at_meal_times():
    seed()
    now = timezone.now()
    start = months_before(timezone.localtime(now), MONTHS)
    middle = months_before(timezone.localtime(now), MONTHS - 1)

    placed = list(
        Order.objects.filter(number__regex=r"^DEMO\d{6}$").values_list("placed_at", flat=True)
    )
    assert all(start - timedelta(seconds=5) <= at <= now for at in placed)
    older = [at for at in placed if at < middle]
    assert len(older) >= ORDERS / 4
    assert len(placed) - len(older) >= ORDERS / 4
    local_hours = [timezone.localtime(at).hour for at in placed]
    meal_times = [h for h in local_hours if 10 <= h <= 13 or 16 <= h <= 20]
    assert len(meal_times) > len(placed) / 2


def test_customers_signed_up_before_their_orders_some_recently():
    seed()
    now = timezone.now()

    customers = get_user_model().objects.filter(username__regex=r"^customer\d{3}$")
    assert 1 <= customers.filter(date_joined__gte=now - timedelta(days=7)).count() <= 20
    assert customers.filter(date_joined__lt=now - timedelta(days=90)).count() > 100
    for order in Order.objects.select_related("customer"):
        assert order.customer.date_joined <= order.placed_at, order.number


@pytest.mark.parametrize("username, role", ROLE_USERS)
def test_each_role_user_exists_and_logs_in(api, username, role):
    seed()

    user = get_user_model().objects.get(username=username)
    assert roles.user_roles(user) == {role}
    response = api.post(
        "/api/v1/auth/token/",
        {"username": username, "password": DEMO_PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["token"]


def test_admin_is_a_superuser_and_the_logins_are_printed(api):
    output = seed()

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(DEMO_PASSWORD)
    lines = output.splitlines()
    table = lines[[line.split() for line in lines].index(["user", "role", "password"]) :]
    rows = {tuple(line.split()) for line in table[2:]}
    assert rows == {
        *((name, role, DEMO_PASSWORD) for name, role in ROLE_USERS),
        ("admin", "superuser", DEMO_PASSWORD),
    }


def test_the_demo_customer_has_recent_orders_to_try_refunds_on():
    seed()
    now = timezone.now()

    mine = Order.objects.filter(customer__username="customer")
    assert all(o.placed_at >= now - timedelta(days=4) for o in mine)
    statuses = set(mine.values_list("status", flat=True))
    assert {"delivered", "cancelled", "accepted", "picked_up"} <= statuses
    recent = mine.filter(status="delivered", delivered_at__gte=now - timedelta(hours=24))
    assert any(lateness_minutes(o) < 15 for o in recent)
    assert any(lateness_minutes(o) >= 60 for o in recent)
    accounts = list(Tender.objects.filter(order__in=mine).values_list("account", flat=True))
    assert any(a.endswith(":fail-once") for a in accounts)
    assert any(a.endswith(":decline") for a in accounts)
    customer = get_user_model().objects.get(username="customer")
    assert customer.date_joined < now - timedelta(days=30)


def test_an_existing_user_is_left_alone():
    agent = UserFactory(username="agent", role=roles.AGENT)

    seed()

    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)
    assert not agent.check_password(DEMO_PASSWORD)


def wire_payload(order: Order) -> dict[str, Any]:
    """The ``POST /orders/`` body the ordering system would send for a stored order."""
    return {
        "number": order.number,
        "customer": order.customer.username,
        "merchant": {"code": order.merchant.code, "name": order.merchant.name},
        "placed_at": order.placed_at.isoformat(),
        "promised_at": order.promised_at.isoformat(),
        "status": order.status,
        "delivered_at": order.delivered_at.isoformat() if order.delivered_at else None,
        "items": [
            {"sku": i.sku, "name": i.name, "unit_price": str(i.unit_price), "quantity": i.quantity}
            for i in order.items.all()
        ],
        "delivery_fee": str(order.delivery_fee),
        "packaging_fee": str(order.packaging_fee),
        "discounts": [{"kind": d.kind, "amount": str(d.amount)} for d in order.discounts.all()],
        "tenders": [
            {"method": t.method, "amount": str(t.amount), "account": t.account}
            for t in order.tenders.all()
        ],
    }


def test_the_ordering_system_reposting_a_seeded_order_is_answered_200(integration):
    seed()
    before = table_counts()

    for order in orders_with_everything():
        response = integration.post("/api/v1/orders/", wire_payload(order), format="json")
        assert response.status_code == 200, (order.number, response.content)
        assert response.json()["paid_total"] == str(order.paid_total)

    assert table_counts() == before


def test_reposting_a_seeded_order_with_other_content_is_a_conflict(integration):
    seed()
    order = orders_with_everything()[0]
    payload = wire_payload(order)
    payload["tenders"][0]["account"] = "alipay:138****0000"

    response = integration.post("/api/v1/orders/", payload, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


@pytest.mark.parametrize("options", [{"months": 0}, {"orders": -1}])
def test_nonsense_arguments_are_refused(options):
    with pytest.raises(CommandError):
        call_command("seed_demo", verbosity=0, stdout=StringIO(), **options)
