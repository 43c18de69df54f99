"""manage.py create_user NAME --role ROLE [--password PW] [--joined-days-ago N]."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import roles
from orders.services import order_event_add
from refunds.services import refund_file
from tests.factories import UserFactory, create_order

pytestmark = pytest.mark.django_db

User = get_user_model()


def create_user(*args: str) -> str:
    out = StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("role", roles.ROLES)
def test_creates_a_user_in_the_role(role):
    output = create_user("alice", "--role", role, "--password", "s3cret-pass")

    user = User.objects.get(username="alice")
    assert list(user.groups.values_list("name", flat=True)) == [role]
    assert roles.user_roles(user) == {role}
    assert authenticate(username="alice", password="s3cret-pass") == user
    assert "alice" in output


def test_without_a_password_the_user_cannot_log_in_by_password():
    create_user("bob", "--role", "agent")
    user = User.objects.get(username="bob")
    assert not user.has_usable_password()
    assert authenticate(username="bob", password="") is None


def test_joined_days_ago_back_dates_date_joined():
    create_user("newbie", "--role", "customer", "--joined-days-ago", "10")
    joined = User.objects.get(username="newbie").date_joined
    assert abs(joined - (timezone.now() - timedelta(days=10))) < timedelta(minutes=1)


def test_without_joined_days_ago_the_user_joins_now():
    create_user("today", "--role", "customer")
    joined = User.objects.get(username="today").date_joined
    assert abs(joined - timezone.now()) < timedelta(minutes=1)


def test_a_negative_joined_days_ago_is_refused():
    with pytest.raises(CommandError, match="negative"):
        create_user("future", "--role", "customer", "--joined-days-ago", "-1")
    assert not User.objects.filter(username="future").exists()


def test_an_existing_name_is_an_error_and_leaves_the_user_alone():
    existing = UserFactory(username="carol", role="customer")
    with pytest.raises(CommandError, match="carol"):
        create_user("carol", "--role", "manager", "--password", "other-password")
    existing.refresh_from_db()
    assert list(existing.groups.values_list("name", flat=True)) == ["customer"]
    assert not existing.check_password("other-password")
    assert User.objects.filter(username="carol").count() == 1


@pytest.mark.parametrize("look_alike", ["Carol", "CAROL", "ｃａｒｏｌ", " carol"])
def test_a_name_that_logs_in_as_an_existing_one_is_refused(look_alike):
    UserFactory(username="carol", role="customer")
    with pytest.raises(CommandError, match="carol"):
        create_user(look_alike, "--role", "agent", "--password", "other-password")
    assert User.objects.count() == 1


def test_an_unknown_role_is_an_error():
    with pytest.raises(CommandError, match="admin"):
        create_user("dave", "--role", "admin")
    assert not User.objects.filter(username="dave").exists()


def test_the_role_is_required():
    with pytest.raises(CommandError):
        create_user("erin")
    assert not User.objects.filter(username="erin").exists()


def test_a_blank_name_is_an_error():
    with pytest.raises(CommandError):
        create_user("   ", "--role", "customer")
    assert not User.objects.exists()


def test_a_merchant_user_works_for_the_merchants_named(db):
    from orders.models import Merchant

    Merchant.objects.create(code="M010", name="老王川菜馆")
    Merchant.objects.create(code="M011", name="沙县小吃")
    output = create_user(
        "laowang", "--role", "merchant", "--merchant", "M010", "--merchant", "M011"
    )

    user = User.objects.get(username="laowang")
    assert sorted(user.merchants.values_list("code", flat=True)) == ["M010", "M011"]
    assert "M010, M011" in output


def test_an_unknown_merchant_code_is_an_error_and_creates_nobody(db):
    from orders.models import Merchant

    Merchant.objects.create(code="M010", name="老王川菜馆")
    with pytest.raises(CommandError, match="M404"):
        create_user("ghost", "--role", "merchant", "--merchant", "M010", "--merchant", "M404")
    assert not User.objects.filter(username="ghost").exists()


def test_merchant_codes_are_for_merchant_users_only(db):
    with pytest.raises(CommandError, match="--merchant"):
        create_user("kefu", "--role", "agent", "--merchant", "M010")


def test_a_new_merchant_user_logs_in_and_lists_only_their_merchants_requests(api):
    def filed_at(code: str, name: str) -> int:
        """A change of mind while the food is prepared, at merchant ``code``."""
        customer = UserFactory(role=roles.CUSTOMER, date_joined=timezone.now() - timedelta(days=30))
        order = create_order(customer=customer, merchant={"code": code, "name": name})
        order_event_add(order=order, status="accepted", at=order.placed_at + timedelta(minutes=5))
        return int(
            refund_file(
                customer=customer, order_number=order.number, reason="changed_mind"
            ).request.pk
        )

    # Filed before anyone answers for M010 and M011 (they stay with the
    # platform), and one at a merchant laowang does not work for.
    ours = [filed_at("M010", "老王川菜馆"), filed_at("M011", "沙县小吃")]
    elsewhere = filed_at("M012", "兰州拉面")
    create_user(
        "laowang",
        "--role",
        "merchant",
        "--merchant",
        "M010",
        "--merchant",
        "M011",
        "--password",
        "s3cret-pass",
    )
    # Filed since: it waits for laowang.
    ours.append(filed_at("M010", "老王川菜馆"))

    token = api.post(
        "/api/v1/auth/token/", {"username": "laowang", "password": "s3cret-pass"}, format="json"
    )
    assert token.status_code == 200, token.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    listed = api.get("/api/v1/merchant/refunds/")

    assert listed.status_code == 200, listed.content
    shown = [row["id"] for row in listed.json()["results"]]
    assert sorted(shown) == sorted(ours)
    assert elsewhere not in shown
    assert listed.json()["results"][0]["status"] == "awaiting_merchant"
