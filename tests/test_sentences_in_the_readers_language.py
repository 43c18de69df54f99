"""Every sentence the system writes reads in the reader's language (SPEC 7):
decision notes, timeline notes, notifications and payout errors are stored
as message ids with their facts and rendered when read. An English reader
finds no Chinese sentence, and a Chinese reader no English one, whatever
language the request was filed in. Names are ASCII here, so that any Chinese
character in English text (and any English words in Chinese text) is a
system sentence in the wrong language."""

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from accounts import roles
from notifications import presenters as notification_presenters
from notifications.models import Notification
from payouts import presenters as payout_presenters
from payouts.models import Payout
from refundportal import clock, sentences
from refunds import services
from refunds.models import RefundRequest
from refunds.policy import decision_message
from refunds.services import payout_reroute
from tests.conftest import client_as
from tests.factories import ItemFactory, UserFactory, create_order_at

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'-]+[A-Za-z]{2,}){2,}")
LANGUAGES = ("en", "zh-hans")


def assert_in_language(text: str, language: str, where: str) -> None:
    if language == "en":
        assert not CJK.search(text), f"Chinese in the English {where}: {text!r}"
    else:
        found = ENGLISH_WORDS.search(text)
        assert found is None, f"English in the Chinese {where}: {text!r}"


# --- Every sentence, from its id and sample facts ------------------------------------

SAMPLE_FACTS: dict[str, Any] = {
    "percent": 80,
    "amount": "12.50",
    "note": "#7",
    "rule": "R9",
    "outcome": "approved",
    "facts": {"minutes_late": 40, "percent": 50, "proposed_amount": "12.00"},
}

RULE_FACTS = {
    "R1": {},
    "R2": {"closed_at": "2026-03-01T12:00:00+08:00", "window_hours": 24},
    "R3": {"request": 12},
    "R5": {"order_status": "cancelled"},
    "R6": {"minutes_late": 45},
    "R7": {"available_at": "2026-03-01T12:30:00+08:00", "grace_minutes": 30},
    "R8": {"delivered_at": "2026-03-01T12:00:00+08:00"},
    "R11": {"limit": "30.00", "risk_flags": []},
    "R12": {"limit": "30.00", "risk_flags": []},
}
OUTCOMES = {
    "R1": ["refused"],
    "R2": ["refused"],
    "R3": ["refused"],
    "R4": ["approved"],
    "R5": ["approved"],
    "R6": ["approved"],
    "R7": ["refused"],
    "R8": ["pending_review"],
    "R10": ["refused"],
    "R11": ["approved", "pending_review"],
    "R12": ["pending_review"],
    "R13": ["pending_review"],
    "R14": ["rejected"],
    "R15": ["pending_review"],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_registered_system_sentence_reads_in_the_readers_language(language):
    ids = sentences.registered()
    assert len(ids) >= 7
    for message_id in ids:
        text = sentences.render_in(language, sentences.sentence(message_id, **SAMPLE_FACTS))
        assert text, message_id
        assert_in_language(text, language, message_id)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_rules_sentence_reads_in_the_readers_language(language):
    late = [
        ("approved", {"minutes_late": 40, "percent": 50}),
        ("rejected", {"minutes_late": 10, "tolerance_minutes": 15}),
        ("rejected", {"minutes_late": 20, "percent": 0}),
        ("refused", {"request": 3}),
        ("pending_review", {"minutes_late": 40, "percent": 50, "risk_flags": ["new_account"]}),
    ]
    cases = [
        (rule, outcome, RULE_FACTS.get(rule, {}))
        for rule, outcomes in OUTCOMES.items()
        for outcome in outcomes
    ]
    cases += [("R9", outcome, facts) for outcome, facts in late]
    with translation.override(language):
        for rule, outcome, facts in cases:
            text = decision_message(rule, outcome, facts)
            assert text, (rule, outcome)
            assert_in_language(text, language, f"{rule} {outcome}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_payout_error_reads_in_the_readers_language(language):
    codes = [
        payout_presenters.GATEWAY_TIMEOUT,
        payout_presenters.DECLINED,
        payout_presenters.GATEWAY_ERROR,
        payout_presenters.SWEPT,
        payout_presenters.NO_ANSWER,
    ]
    with translation.override(language):
        for code in codes:
            text = payout_presenters.error_text(code)
            assert text != code
            assert_in_language(text, language, code)


# --- The same, read back from a flow that wrote them --------------------------------


def ascii_order(customer: Any, **kwargs: Any) -> Any:
    return create_order_at(
        customer=customer,
        merchant={"code": "M077", "name": "Noodle Bar"},
        items=[ItemFactory(name="Beef Noodles", unit_price="10.00", quantity=3)],
        **kwargs,
    )


@pytest.fixture
def flow(django_capture_on_commit_callbacks) -> dict[str, Any]:
    """Requests through the real services, filed while the portal speaks
    Chinese: approved and paid, late, rejected, cancelled, decided by an
    agent, escalated, and one whose declined payout finance rerouted."""
    now = clock.now().replace(microsecond=0)
    customer = UserFactory(role=roles.CUSTOMER, date_joined=now - timedelta(days=90))
    agent = UserFactory(role=roles.AGENT)
    finance = UserFactory(role=roles.FINANCE)
    senior = UserFactory(role=roles.SENIOR_AGENT)
    delivered = {
        "status": "delivered",
        "promised_at": now - timedelta(minutes=100),
        "delivered_at": now - timedelta(minutes=55),
    }

    def file(order: Any, reason: str) -> RefundRequest:
        with django_capture_on_commit_callbacks(execute=True):
            return services.refund_file(
                customer=customer, order_number=order.number, reason=reason
            ).request

    with translation.override("zh-hans"), clock.frozen_at(now):
        file(ascii_order(customer, promised_at=now + timedelta(minutes=20)), "other")  # R4
        file(ascii_order(customer, **delivered), "late_delivery")  # R9, 45 min late
        file(ascii_order(customer, **delivered), "changed_mind")  # R14
        cancelled = file(ascii_order(customer, **delivered), "other")  # R15
        services.refund_cancel(request=cancelled, customer=customer)
        decided = file(ascii_order(customer, **delivered), "other")
        with django_capture_on_commit_callbacks(execute=True):
            services.refund_decide(refund=decided, agent=agent, decision="approve")
        file(ascii_order(customer, **delivered), "other")  # escalated below
        declined = create_order_at(
            customer=customer,
            merchant={"code": "M077", "name": "Noodle Bar"},
            items=[ItemFactory(name="Beef Noodles", unit_price="10.00", quantity=3)],
            tenders=[{"method": "card", "amount": "24.00", "account": "card-decline-1"}],
            promised_at=now + timedelta(minutes=20),
        )
        rerouted = file(declined, "other")
        payout = Payout.objects.get(refund=rerouted)
        assert payout.status == "failed"
        with django_capture_on_commit_callbacks(execute=True):
            services_reroute(payout, finance)
    with translation.override("zh-hans"):
        services.sla_sweep(now + timedelta(hours=20))
    return {"customer": customer, "agent": agent, "finance": finance, "senior": senior}


def services_reroute(payout: Payout, finance: Any) -> None:
    payout_reroute(payout=payout, actor=finance, method="wallet", note="#7")


def read(client: Any, url: str, language: str) -> Any:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("language", LANGUAGES)
def test_requests_read_back_in_the_readers_language(flow, language):
    ids = list(RefundRequest.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 7
    for reader in (flow["customer"], flow["agent"]):
        client = client_as(reader)
        for pk in ids:
            body = read(client, f"/api/v1/refunds/{pk}/", language)
            notes = [body["decision"]["note"] if body["decision"] else ""]
            notes += [step["note"] for step in body["timeline"]]
            for note in notes:
                assert_in_language(note, language, f"request {pk}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_notifications_read_back_in_the_readers_language(flow, language):
    written = list(Notification.objects.all())
    events = {n.event for n in written}
    assert {"refund_approved", "refund_refunded", "refund_rejected", "refund_cancelled"} <= events
    assert {"refund_submitted", "payout_failed", "refund_escalated"} <= events
    for notification in written:
        for text in (
            notification_presenters.title(notification, language),
            notification_presenters.body(notification, language),
        ):
            assert text
            assert_in_language(text, language, notification.event)


@pytest.mark.parametrize("language", LANGUAGES)
def test_payout_errors_read_back_in_the_readers_language(flow, language):
    client = client_as(flow["finance"])
    failed = Payout.objects.get(status="failed")
    body = read(client, f"/api/v1/payouts/{failed.pk}/", language)
    assert body["last_error"]
    assert_in_language(body["last_error"], language, "last_error")
    for attempt in body["attempt_log"]:
        assert_in_language(attempt["error"], language, "attempt error")
    assert Decimal(body["amount"]) > 0
