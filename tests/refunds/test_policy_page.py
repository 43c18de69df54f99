"""/policy/ is public, in both languages, and rendered from the very row that
auto-review reads; managers edit that row in the admin."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from refunds.models import RefundPolicy, TimelineEvent
from tests.conftest import client_as
from tests.factories import PASSWORD, UserFactory, create_order

pytestmark = pytest.mark.django_db


def test_the_policy_page_is_public_and_shows_the_policy_numbers():
    response = Client().get("/policy/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Refund policy" in text
    assert "30 minutes after the promised time" in text
    assert "¥30.00" in text
    assert "50 % of the amount paid" in text


def test_the_policy_page_speaks_chinese_by_default():
    text = Client().get("/policy/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "退款政策" in text


def test_what_the_page_says_is_what_auto_review_decides(customer):
    policy = RefundPolicy.current()
    policy.grace_minutes = 45
    policy.save()
    assert (
        "45 minutes after the promised time"
        in Client().get("/policy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )

    now = timezone.now()
    order = create_order(
        customer=customer,
        status="accepted",
        placed_at=(now - timedelta(minutes=80)).isoformat(),
        promised_at=(now - timedelta(minutes=40)).isoformat(),
    )
    response = client_as(customer).post(
        "/api/v1/refunds/", {"order": order.number, "reason": "not_delivered"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "too_early")


def test_a_manager_edits_the_policy_in_the_admin():
    manager = UserFactory(role="manager")
    manager.is_staff = True
    manager.save()
    browser = Client()
    assert browser.login(username=manager.username, password=PASSWORD)
    RefundPolicy.current()
    page = browser.get("/admin/refunds/refundpolicy/1/change/")
    assert page.status_code == 200
    form = {
        field: getattr(RefundPolicy.current(), field)
        for field in [
            "grace_minutes",
            "filing_window_hours",
            "late_tolerance_minutes",
            "late_tier1_minutes",
            "late_tier1_percent",
            "late_tier2_minutes",
            "late_tier2_percent",
            "late_tier3_minutes",
            "late_tier3_percent",
            "auto_approve_limit",
            "frequent_refunder_count",
            "frequent_refunder_days",
            "new_account_days",
            "duplicate_photo_distance",
            "high_amount",
            "review_sla_hours",
            "appeal_days",
            "customer_reply_hours",
            "nudge_interval_minutes",
            "merchant_response_minutes",
        ]
    }
    form["auto_approve_limit"] = "25.00"
    saved = browser.post("/admin/refunds/refundpolicy/1/change/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert str(RefundPolicy.current().auto_approve_limit) == "25.00"


def test_a_manager_created_by_the_command_can_use_the_admin():
    from django.core.management import call_command

    call_command("create_user", "boss", "--role", "manager", "--password", PASSWORD)
    browser = Client()
    assert browser.login(username="boss", password=PASSWORD)
    assert browser.get("/admin/refunds/refundpolicy/").status_code == 200
    assert browser.get("/admin/refunds/timelineevent/").status_code == 200


def test_agents_have_no_admin():
    agent = UserFactory(role="agent")
    browser = Client()
    browser.login(username=agent.username, password=PASSWORD)
    assert browser.get("/admin/refunds/refundpolicy/").status_code == 302


def test_the_timeline_has_no_change_or_delete_path_in_the_admin(customer):
    admin = UserFactory(role="manager", is_superuser=True, is_staff=True)
    order = create_order(customer=customer)
    client_as(customer).post(
        "/api/v1/refunds/", {"order": order.number, "reason": "other"}, format="json"
    )
    event = TimelineEvent.objects.first()
    browser = Client()
    browser.login(username=admin.username, password=PASSWORD)
    change = browser.post(f"/admin/refunds/timelineevent/{event.pk}/change/", {"note": "edited"})
    delete = browser.post(f"/admin/refunds/timelineevent/{event.pk}/delete/", {"post": "yes"})
    assert change.status_code in (302, 403)
    assert delete.status_code == 403
    event.refresh_from_db()
    assert event.note != "edited"


def test_the_policy_is_read_once_and_then_from_the_cache(django_assert_num_queries):
    RefundPolicy.current()

    with django_assert_num_queries(0):
        assert RefundPolicy.current().grace_minutes == 30


def test_an_edit_counts_at_once_though_the_row_was_cached(django_capture_on_commit_callbacks):
    RefundPolicy.current()  # cached
    with django_capture_on_commit_callbacks(execute=True):
        policy = RefundPolicy.objects.get(pk=1)
        policy.grace_minutes = 50
        policy.save()

    assert RefundPolicy.current().grace_minutes == 50


def test_a_cache_that_is_down_falls_back_to_the_database(monkeypatch, caplog):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)

    assert RefundPolicy.current().review_sla_hours == 24
    assert "cache unreachable" in caplog.text


def conversation_rules(language: str) -> str:
    text = Client().get("/policy/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    start = text.index('data-testid="policy-conversation"')
    return text[start : text.index("</ul>", start)]


def test_the_page_states_the_conversation_rules_of_the_policy_row():
    rules = conversation_rules("en")
    assert "may ask you for more" in rules
    assert "Answer within 48 hours" in rules
    assert "appealed" in rules
    assert "once every 2 hours" in rules
    assert rules.count("<li>") == 3
    assert conversation_rules("zh-CN").count("<li>") == 3

    policy = RefundPolicy.current()
    policy.customer_reply_hours = 24
    policy.nudge_interval_minutes = 90
    policy.save()

    rules = conversation_rules("en")
    assert "Answer within 24 hours" in rules
    assert "48 hours" not in rules
    assert "once every 90 minutes" in rules

    policy.nudge_interval_minutes = 180
    policy.save()
    assert "once every 3 hours" in conversation_rules("en")


def test_the_page_states_the_merchants_time_to_answer_from_the_policy_row():
    def merchant_rules(language: str) -> str:
        text = Client().get("/policy/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        start = text.index('data-testid="policy-merchant"')
        return text[start : text.index("</ul>", start)]

    assert "has 30 minutes to answer" in merchant_rules("en")
    assert "30 分钟内答复" in merchant_rules("zh-CN")
    policy = RefundPolicy.current()
    policy.merchant_response_minutes = 45
    policy.save()
    assert "has 45 minutes to answer" in merchant_rules("en")
