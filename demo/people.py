"""The demo's people: one named user per role, the admin, and the customers
who place the orders, every one with the password ``demo12345``."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from accounts import roles
from accounts.services import user_create

from .draws import generator

DEMO_PASSWORD = "demo12345"
CUSTOMER_COUNT = 200

# The named demo users, one per role, and the role each holds.
ROLE_USERS: tuple[tuple[str, str], ...] = (
    ("agent", roles.AGENT),
    ("senior_agent", roles.SENIOR_AGENT),
    ("finance", roles.FINANCE),
    ("manager", roles.MANAGER),
    ("integration", roles.INTEGRATION),
    ("customer", roles.CUSTOMER),
    # Staff of the busiest demo merchant (linked to it once the orders exist).
    ("merchant", roles.MERCHANT),
)
ADMIN_USERNAME = "admin"
DEMO_CUSTOMER = "customer"
AGENT = "agent"
SENIOR_AGENT = "senior_agent"
MERCHANT_USER = "merchant"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN_NAMES = "伟芳娜敏静磊洋婷强军杰涛明超霞"


@dataclass(frozen=True)
class CustomerRow:
    pk: int
    username: str
    date_joined: datetime


def customer_username(index: int) -> str:
    return f"customer{index:03d}"


def demo_logins() -> list[tuple[str, str, str]]:
    """(user, role, password) of the named demo users, for the command to print."""
    return [(name, role, DEMO_PASSWORD) for name, role in ROLE_USERS] + [
        (ADMIN_USERNAME, "superuser", DEMO_PASSWORD)
    ]


# --- The named users --------------------------------------------------------------


def ensure_role_users() -> list[str]:
    """The named demo users; one that already exists is left as it is.
    Returns the usernames created."""
    User = get_user_model()
    created = []
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
        created.append(username)
    if ADMIN_USERNAME not in existing:
        User.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", DEMO_PASSWORD)
        created.append(ADMIN_USERNAME)
    return created


def find_demo_customer() -> CustomerRow | None:
    """The named demo customer, if they hold the customer role."""
    row = (
        get_user_model()
        .objects.filter(username=DEMO_CUSTOMER, groups__name=roles.CUSTOMER)
        .values_list("pk", "username", "date_joined")
        .first()
    )
    return CustomerRow(*row) if row is not None else None


# --- The customers ----------------------------------------------------------------


def customer_join_times(now: datetime, window_start: datetime) -> list[datetime]:
    """When each of the demo customers signed up, oldest first (customer001
    is the platform's first): most long before the window, some during it,
    and about 5 % in the last 7 days, the accounts risk review flags as new."""
    rng = generator("customers")
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


def ensure_customers(now: datetime, window_start: datetime) -> int:
    """The demo customers that are missing, in bulk; returns how many were created."""
    User = get_user_model()
    usernames = [customer_username(i) for i in range(1, CUSTOMER_COUNT + 1)]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    missing = [
        (username, joined)
        for username, joined in zip(usernames, customer_join_times(now, window_start), strict=True)
        if username not in existing
    ]
    if not missing:
        return 0
    # One hash for all: hashing 200 passwords one by one would take a minute
    # of PBKDF2, for demo accounts whose password is printed anyway.
    password = make_password(DEMO_PASSWORD)
    names = generator("names")
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
    return len(users)


def customer_pool() -> list[CustomerRow]:
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
