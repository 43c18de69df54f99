"""The daily anomaly check: a merchant's refund rate over the last 7 days
against its 8 weeks before, and the review SLA met share of the last 7 days;
managers are alerted once a day per merchant and kind."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from accounts import roles
from analytics.models import AnomalyAlert, AnomalyCheck
from analytics.services import anomaly_check
from notifications.models import Notification
from notifications.presenters import body, title
from orders.models import Merchant, Order
from refundportal import periodic
from refunds.models import RefundRequest
from tests.factories import UserFactory

from .support import NOW, merchant_payload, sh

pytestmark = pytest.mark.django_db


class Shop:
    """Orders written as bare rows: the check reads only times, merchants
    and request statuses, and needs hundreds of them."""

    def __init__(self) -> None:
        self.customer = UserFactory(role=roles.CUSTOMER)
        self.count = 0

    def orders(self, code: str, times: list[datetime], refunded: int) -> None:
        merchant, _ = Merchant.objects.get_or_create(
            code=code, defaults={"name": merchant_payload(code)["name"]}
        )
        start = self.count
        self.count += len(times)
        orders = Order.objects.bulk_create(
            Order(
                number=f"A{start + i:06d}",
                customer=self.customer,
                merchant=merchant,
                placed_at=at,
                promised_at=at + timedelta(minutes=40),
                items_total=Decimal("24.00"),
                paid_total=Decimal("24.00"),
                payload_digest="-",
            )
            for i, at in enumerate(times)
        )
        if not orders[0].pk:
            orders = list(Order.objects.filter(merchant=merchant).order_by("-id")[: len(times)])
        RefundRequest.objects.bulk_create(
            RefundRequest(
                order=order,
                customer=self.customer,
                reason="other",
                status="approved",
                requested_amount=Decimal("24.00"),
                approved_amount=Decimal("24.00"),
                decision_source="auto",
                decided_at=order.placed_at + timedelta(hours=1),
                review_due_at=order.placed_at + timedelta(hours=25),
                created_at=order.placed_at + timedelta(hours=1),
                updated_at=order.placed_at + timedelta(hours=1),
            )
            for order in orders[:refunded]
        )


def spread(first: datetime, last: datetime, n: int) -> list[datetime]:
    step = (last - first) / max(n - 1, 1)
    return [first + step * i for i in range(n)]


# The check on 10 May 2025: the last 7 days are 3..9 May, the 8 weeks
# before them 8 March..2 May.
RECENT = (sh(5, 4, 8), sh(5, 9, 20))
BASELINE = (sh(3, 10, 8), sh(5, 1, 20))


@pytest.fixture
def managers(now: Any) -> list[Any]:
    return [UserFactory(role=roles.MANAGER), UserFactory(role=roles.MANAGER)]


@pytest.fixture
def shop(now: Any) -> Shop:
    return Shop()


def alerts_for(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("id"))


def test_a_merchant_whose_rate_jumped_is_reported_to_every_manager(shop, managers):
    shop.orders("M001", spread(*BASELINE, 80), refunded=4)  # 5 %
    shop.orders("M001", spread(*RECENT, 40), refunded=8)  # 20 %: 4x, +15 points

    assert anomaly_check(NOW) == {"alerts": 1}

    for manager in managers:
        (note,) = alerts_for(manager)
        assert note.event == "refund_rate_anomaly"
        assert note.link == "/dashboard/?merchant=M001"
        title_zh, title_en = title(note, "zh-hans"), title(note, "en")
        body_zh, body_en = body(note, "zh-hans"), body(note, "en")
        assert "老王川菜馆" in title_zh and "老王川菜馆" in title_en
        assert "20.0 %" in body_en and "5.0 %" in body_en
        assert "8 of 40 orders" in body_en
        assert "2025-05-03" in body_en and "2025-05-09" in body_en
        assert title_zh != title_en and body_zh != body_en
    assert not Notification.objects.exclude(user__in=managers).exists()


def test_small_jumps_and_small_merchants_are_not_reported(shop, managers):
    shop.orders("M002", spread(*BASELINE, 80), refunded=8)  # 10 %
    shop.orders("M002", spread(*RECENT, 40), refunded=6)  # 15 %: only 1.5x
    shop.orders("M003", spread(*BASELINE, 80), refunded=0)  # 0 %
    shop.orders("M003", spread(*RECENT, 29), refunded=10)  # 34 %, on 29 orders only
    shop.orders("M005", spread(*BASELINE, 80), refunded=1)  # 1.25 %
    shop.orders("M005", spread(*RECENT, 40), refunded=2)  # 5 %: 4x but +3.75 points

    assert anomaly_check(NOW) == {"alerts": 0}
    assert not Notification.objects.exists()


def test_a_new_merchant_is_compared_with_the_platform(shop, managers):
    shop.orders("M001", spread(*BASELINE, 100), refunded=5)  # platform 5 %
    shop.orders("M004", spread(*RECENT, 30), refunded=6)  # 20 %, no history

    assert anomaly_check(NOW) == {"alerts": 1}
    assert AnomalyAlert.objects.get().merchant_code == "M004"


def test_thresholds_are_settings(shop, managers, settings):
    shop.orders("M002", spread(*BASELINE, 80), refunded=8)  # 10 %
    shop.orders("M002", spread(*RECENT, 40), refunded=6)  # 15 %
    settings.ANOMALY_RATE_JUMP = 1.4
    settings.ANOMALY_MIN_RATE_POINTS = 0.04
    assert anomaly_check(NOW) == {"alerts": 1}


def test_the_check_alerts_once_a_day(shop, managers):
    shop.orders("M001", spread(*BASELINE, 80), refunded=4)
    shop.orders("M001", spread(*RECENT, 40), refunded=8)

    assert anomaly_check(NOW) == {"alerts": 1}
    assert anomaly_check(NOW) == {"alerts": 0}
    assert anomaly_check(NOW + timedelta(hours=11)) == {"alerts": 0}  # 23:00, same day
    # Even without the day's run record, the per-merchant date holds.
    AnomalyCheck.objects.all().delete()
    assert anomaly_check(NOW) == {"alerts": 0}
    assert Notification.objects.count() == 2  # one per manager

    # The next day, still anomalous: alerted again.
    assert anomaly_check(NOW + timedelta(days=1)) == {"alerts": 1}
    assert Notification.objects.count() == 4


def staff_decisions(shop: Shop, met: int, missed: int) -> None:
    shop.orders("M009", spread(*RECENT, met + missed), refunded=0)
    for index, order in enumerate(Order.objects.filter(merchant__code="M009").order_by("id")):
        created = order.placed_at + timedelta(minutes=30)
        RefundRequest.objects.create(
            order=order,
            customer=order.customer,
            reason="other",
            status="rejected",
            requested_amount=Decimal("24.00"),
            decision_source="agent",
            decided_at=created + timedelta(hours=30 if index < missed else 2),
            review_due_at=created + timedelta(hours=24),
            created_at=created,
            updated_at=created,
        )


def test_review_sla_below_target_is_reported(shop, managers):
    staff_decisions(shop, met=8, missed=2)  # 80 % < 90 %

    assert anomaly_check(NOW) == {"alerts": 1}

    (note,) = alerts_for(managers[0])
    assert note.event == "review_sla_drift"
    assert note.link == "/dashboard/"
    assert "8 of 10 staff decisions (80.0 %)" in body(note, "en")
    assert "90.0 %" in body(note, "en")


def test_review_sla_on_target_or_on_few_decisions_is_quiet(shop, managers, settings):
    staff_decisions(shop, met=9, missed=1)  # 90 %: on target
    assert anomaly_check(NOW) == {"alerts": 0}

    AnomalyCheck.objects.all().delete()
    settings.ANOMALY_SLA_MIN_DECISIONS = 11
    settings.ANOMALY_SLA_TARGET = 0.95
    assert anomaly_check(NOW) == {"alerts": 0}  # below target, but 10 decisions only


def test_the_check_is_a_periodic_job(now):
    assert periodic.jobs()["anomaly_check"] is anomaly_check
    get_user_model()  # the job runs with no data at all
    assert anomaly_check(NOW) == {"alerts": 0}
    assert AnomalyCheck.objects.get().day.isoformat() == "2025-05-10"
