"""Staff notes on a request's timeline: POST /api/v1/refunds/{id}/notes/ and
the note form of the review page. An internal note (the default) never
reaches the customer, through the API or their request page; any other
note does. A note changes no status and, like every timeline entry, is
never edited or deleted."""

import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import roles
from notifications.models import Notification
from refundportal.api import ApplicationError
from refunds import services
from refunds.models import RefundRequest, TimelineEvent
from tests.conftest import client_as
from tests.factories import UserFactory

from .support import REFUNDS, delivered_order, english, file_refund, old_customer, refund_url

pytestmark = pytest.mark.django_db

SECRET = "疑似重复索赔，先核实骑手记录"
CUSTOMER_SHAPE = {"at", "from_status", "to_status", "actor_role", "note"}


def notes_url(refund_id: int) -> str:
    return refund_url(refund_id, "notes")


@pytest.fixture
def alice(now: Any) -> Any:
    return old_customer(email="alice@example.com")


@pytest.fixture
def client(alice: Any) -> Any:
    return english(client_as(alice))


@pytest.fixture
def agent(db: Any) -> Any:
    return english(client_as(UserFactory(role=roles.AGENT)))


@pytest.fixture
def pending(now: Any, alice: Any, client: Any) -> dict[str, Any]:
    """Under review: rule 15 on a delivered order."""
    response = file_refund(client, delivered_order(alice, now), reason="other")
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    assert body["status"] == "pending_review"
    return body


def add_note(client: Any, refund: dict[str, Any], **body: Any) -> Any:
    return client.post(notes_url(refund["id"]), body, format="json")


def events_of(refund: dict[str, Any]) -> int:
    return TimelineEvent.objects.filter(request_id=refund["id"]).count()


# --- Writing a note ------------------------------------------------------------------


def test_a_note_is_internal_by_default_and_changes_no_status(agent, pending):
    response = add_note(agent, pending, note=f"  {SECRET}  ")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == pending["id"]
    assert body["status"] == "pending_review"
    last = body["timeline"][-1]
    assert last["note"] == SECRET  # stripped
    assert (last["from_status"], last["to_status"]) == ("pending_review", "pending_review")
    assert (last["actor_role"], last["internal"]) == ("agent", True)
    event = TimelineEvent.objects.filter(request_id=pending["id"]).last()
    assert event.actor == agent.user
    assert RefundRequest.objects.get(pk=pending["id"]).status == "pending_review"


def test_the_author_is_recorded_with_their_most_senior_role(pending):
    boss = client_as(UserFactory(role=roles.MANAGER))
    response = add_note(boss, pending, note="经理已知悉")
    assert response.json()["timeline"][-1]["actor_role"] == "manager"


@pytest.mark.parametrize("internal", [True, False])
def test_a_note_sends_no_notification(agent, pending, internal):
    before = Notification.objects.count()
    mail.outbox.clear()

    response = add_note(agent, pending, note="已联系商家", internal=internal)

    assert response.status_code == 201
    assert Notification.objects.count() == before
    assert mail.outbox == []


def test_a_note_can_be_added_after_the_decision(agent, pending):
    services.refund_decide(
        refund=RefundRequest.objects.get(pk=pending["id"]),
        agent=UserFactory(role=roles.SENIOR_AGENT),
        decision="reject",
        note="照片看不出问题",
    )

    response = add_note(agent, pending, note="顾客来电，已解释")

    assert response.status_code == 201
    assert response.json()["timeline"][-1]["from_status"] == "rejected"
    assert response.json()["timeline"][-1]["to_status"] == "rejected"


# --- Who reads it ------------------------------------------------------------------------


def test_the_customer_never_sees_an_internal_note(agent, client, pending):
    add_note(agent, pending, note=SECRET)

    detail = client.get(refund_url(pending["id"]))
    listing = client.get(REFUNDS)

    assert detail.status_code == listing.status_code == 200
    for response in (detail, listing):
        assert SECRET not in response.content.decode()
    timeline = detail.json()["timeline"]
    assert len(timeline) == 1  # the filing only
    assert [set(step) for step in timeline] == [CUSTOMER_SHAPE]
    assert listing.json()["results"][0]["timeline"] == timeline


@pytest.mark.parametrize("role", sorted(roles.STAFF_ROLES))
def test_staff_see_an_internal_note_marked_internal(agent, pending, role):
    add_note(agent, pending, note=SECRET)
    reader = client_as(UserFactory(role=role))

    timeline = reader.get(refund_url(pending["id"])).json()["timeline"]
    listed = reader.get(REFUNDS).json()["results"][0]["timeline"]

    assert [(step["note"], step["internal"]) for step in timeline][-1] == (SECRET, True)
    assert timeline[0]["internal"] is False  # the filing
    assert listed == timeline


def test_a_note_not_marked_internal_is_shown_to_the_customer(agent, client, pending):
    add_note(agent, pending, note="商家已同意退款，正在处理", internal=False)

    timeline = client.get(refund_url(pending["id"])).json()["timeline"]

    assert timeline[-1] == {
        "at": timeline[-1]["at"],
        "from_status": "pending_review",
        "to_status": "pending_review",
        "actor_role": "agent",
        "note": "商家已同意退款，正在处理",
    }


def test_internal_notes_cost_the_customer_no_extra_query(agent, client, pending):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(refund_url(pending["id"])).status_code == 200
        return len(captured)

    client.get(refund_url(pending["id"]))  # the token and role lookups, once
    without = queries()
    for n in range(3):
        add_note(agent, pending, note=f"内部备注 {n}")

    assert queries() == without


# --- Who may write one --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("owner", 403),
        ("other_customer", 403),
        (roles.AGENT, 201),
        (roles.SENIOR_AGENT, 201),
        (roles.FINANCE, 201),
        (roles.MANAGER, 201),
        (roles.INTEGRATION, 403),
        ("no_role", 403),
        ("superuser", 201),
        ("anonymous", 401),
    ],
)
def test_each_role_against_the_notes_endpoint(client, pending, caller, expected):
    callers = {
        "owner": lambda: client,
        "other_customer": lambda: client_as(old_customer()),
        "no_role": lambda: client_as(UserFactory()),
        "superuser": lambda: client_as(UserFactory(is_superuser=True, is_staff=True)),
        "anonymous": lambda: english(type(client)()),
    }
    caller_client = callers.get(caller, lambda: client_as(UserFactory(role=caller)))()
    before = events_of(pending)

    response = add_note(caller_client, pending, note="看一下")

    assert response.status_code == expected, response.content
    if expected >= 400:
        code = "not_authenticated" if expected == 401 else "forbidden"
        assert response.json()["code"] == code
        assert events_of(pending) == before
    else:
        assert events_of(pending) == before + 1


def test_a_customer_learns_nothing_about_which_requests_exist(now, client, pending):
    stranger = client_as(old_customer())

    theirs = add_note(stranger, pending, note="x")
    missing = stranger.post(notes_url(999999), {"note": "x"}, format="json")

    assert theirs.status_code == missing.status_code == 403
    assert theirs.json() == missing.json()


def test_a_missing_request_answers_404_to_staff(agent):
    response = agent.post(notes_url(999999), {"note": "x"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- Bad bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "note"),
        ({"note": ""}, "note"),
        ({"note": "  \n\t "}, "note"),
        ({"note": "x" * 2001}, "note"),
        ({"note": None}, "note"),
        ({"note": ["a"]}, "note"),
        ({"note": {"text": "a"}}, "note"),
        ({"note": "a\x00b"}, "note"),
        ({"note": "ok", "internal": "maybe"}, "internal"),
        ({"note": "ok", "internal": None}, "internal"),
        ({"note": "ok", "internal": [True]}, "internal"),
        ({"note": "ok", "public": True}, "public"),
    ],
    ids=repr,
)
def test_a_bad_body_is_refused_with_validation_error(agent, pending, body, field):
    before = events_of(pending)

    response = agent.post(notes_url(pending["id"]), body, format="json")

    assert response.status_code == 400, response.content
    error = response.json()
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert error["detail"]
    assert events_of(pending) == before


@pytest.mark.parametrize(
    "raw", [b'{"note": ', b"[]", b'"note"', b"null", b"\xff\xfe", b'{"note": NaN}'], ids=repr
)
def test_a_body_that_is_not_a_json_object_is_refused(agent, pending, raw):
    response = agent.post(notes_url(pending["id"]), raw, content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert events_of(pending) == 1


def test_a_note_of_exactly_2000_characters_is_kept_whole(agent, pending):
    response = add_note(agent, pending, note="好" * 2000)

    assert response.status_code == 201
    assert response.json()["timeline"][-1]["note"] == "好" * 2000


def test_the_service_refuses_what_the_api_would(pending):
    refund = RefundRequest.objects.get(pk=pending["id"])
    agent = UserFactory(role=roles.AGENT)
    for note in ("", "   ", "x" * 2001):
        with pytest.raises(ApplicationError) as refused:
            services.refund_note_add(refund=refund, author=agent, note=note)
        assert refused.value.code == "validation_error"
    with pytest.raises(PermissionDenied):
        services.refund_note_add(refund=refund, author=refund.customer, note="我自己写的")
    assert events_of(pending) == 1


# --- Append-only -------------------------------------------------------------------------


def test_a_note_cannot_be_edited_or_deleted(agent, pending):
    add_note(agent, pending, note=SECRET)
    event = TimelineEvent.objects.get(request_id=pending["id"], internal=True)

    event.internal = False
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        TimelineEvent.objects.filter(pk=event.pk).update(internal=False)
    with pytest.raises(PermissionError):
        TimelineEvent.objects.filter(pk=event.pk).delete()

    assert TimelineEvent.objects.get(pk=event.pk).internal is True


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_the_notes_endpoint_only_adds(agent, pending, method):
    response = getattr(agent, method)(notes_url(pending["id"]), {"note": "x"}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert events_of(pending) == 1


# --- The schema --------------------------------------------------------------------------


def test_the_schema_declares_the_endpoint_and_the_staff_only_key(api):
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/refunds/{id}/notes/"]["post"]
    timeline = schema["components"]["schemas"]["Timeline"]

    assert set(operation["responses"]) >= {"201", "400", "401", "403", "404", "409"}
    assert operation["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Refund"
    }
    request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request = schema["components"]["schemas"][request_ref.rsplit("/", 1)[1]]
    assert request["required"] == ["note"]
    assert request["additionalProperties"] is False
    assert request["properties"]["internal"]["default"] is True
    assert "internal" in timeline["properties"]
    assert set(timeline["required"]) == CUSTOMER_SHAPE


# --- The pages ---------------------------------------------------------------------------


def browser_as(user: Any, language: str = "en", **kwargs: Any) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE=language, **kwargs)
    browser.force_login(user)
    return browser


def review_page(refund: dict[str, Any]) -> str:
    return f"/review/{refund['id']}/"


def test_the_customer_page_shows_visible_notes_and_never_internal_ones(alice, agent, pending):
    add_note(agent, pending, note=SECRET)
    add_note(agent, pending, note="商家已同意退款，正在处理", internal=False)

    html = browser_as(alice, "zh-hans").get(f"/refunds/{pending['id']}/").content.decode()

    assert "商家已同意退款，正在处理" in html
    assert SECRET not in html
    assert "内部备注" not in html


def test_the_review_page_adds_an_internal_note_and_shows_it_marked(now, pending):
    reviewer = UserFactory(username="agent_zhao", role=roles.AGENT)
    browser = browser_as(reviewer)
    form = browser.get(review_page(pending)).content.decode()
    assert 'name="action" value="note"' in form
    assert 'for="note-text"' in form and 'id="note-text"' in form
    assert 'for="note-internal"' in form
    assert re.search(
        r'<input type="checkbox" id="note-internal" name="internal"[^>]* checked', form
    )

    posted = browser.post(
        review_page(pending), {"action": "note", "note": SECRET, "internal": "on"}
    )

    assert posted.status_code == 302
    assert posted["Location"] == f"{review_page(pending)}#notes"
    html = browser.get(review_page(pending)).content.decode()
    assert f"Internal note added to request #{pending['id']}." in html
    step = html[html.index("data-internal-note") :]
    assert "Internal note" in step[: step.index("</li>")]
    assert SECRET in step[: step.index("</li>")]
    assert "agent_zhao" in step[: step.index("</li>")]
    zh = browser_as(reviewer, "zh-hans").get(review_page(pending)).content.decode()
    assert "内部备注" in zh
    event = TimelineEvent.objects.filter(request_id=pending["id"]).last()
    assert (event.note, event.internal, event.actor) == (SECRET, True, reviewer)


def test_unticking_the_box_makes_the_note_visible_to_the_customer(alice, now, pending):
    browser = browser_as(UserFactory(role=roles.AGENT))

    posted = browser.post(review_page(pending), {"action": "note", "note": "已为您加急处理"})

    assert posted.status_code == 302
    event = TimelineEvent.objects.filter(request_id=pending["id"]).last()
    assert (event.note, event.internal) == ("已为您加急处理", False)
    customer_html = browser_as(alice, "zh-hans").get(f"/refunds/{pending['id']}/")
    assert "已为您加急处理" in customer_html.content.decode()
    assert "data-internal-note" not in browser.get(review_page(pending)).content.decode()


@pytest.mark.parametrize("note", ["", "   "])
def test_an_empty_note_shows_the_error_and_keeps_the_choice(now, pending, note):
    browser = browser_as(UserFactory(role=roles.AGENT))

    response = browser.post(review_page(pending), {"action": "note", "note": note})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Write a note." in html
    assert 'aria-invalid="true"' in html
    # The box was left unticked: it stays unticked.
    assert not re.search(r'id="note-internal" name="internal"[^>]* checked', html)
    assert events_of(pending) == 1


def test_an_empty_note_is_explained_in_chinese(now, pending):
    browser = browser_as(UserFactory(role=roles.AGENT), "zh-hans")

    response = browser.post(review_page(pending), {"action": "note", "note": "", "internal": "on"})

    assert response.status_code == 400
    assert "请填写备注。" in response.content.decode()


def test_the_note_form_needs_the_csrf_token(now, pending):
    browser = browser_as(UserFactory(role=roles.AGENT), enforce_csrf_checks=True)

    refused = browser.post(review_page(pending), {"action": "note", "note": SECRET})

    assert refused.status_code == 403
    assert events_of(pending) == 1
    html = browser.get(review_page(pending)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    accepted = browser.post(
        review_page(pending),
        {"action": "note", "note": SECRET, "internal": "on", "csrfmiddlewaretoken": token[1]},
    )
    assert accepted.status_code == 302
    assert events_of(pending) == 2


def test_only_reviewers_reach_the_note_form(now, pending):
    for role in (roles.CUSTOMER, roles.FINANCE, roles.MANAGER, roles.INTEGRATION):
        browser = browser_as(UserFactory(role=role))
        response = browser.post(review_page(pending), {"action": "note", "note": "x"})
        assert response.status_code == 403
    assert events_of(pending) == 1
