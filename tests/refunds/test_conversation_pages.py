"""The conversation on the customer's request page (/refunds/{id}/): the
thread, newest last; the reply box with photos; the banner while customer
service waits for the answer; the nudge (催办); and how a request waiting
for its customer shows in the order list."""

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts import roles
from refundportal import clock
from refunds import services
from refunds.models import Evidence, Message, RefundRequest
from refunds.states import RefundStatus
from tests.factories import UserFactory, photo_upload

from .support import delivered_order, old_customer
from .test_pages import ORDERS, browser_as, file_request, page_url, stored_photo, text

pytestmark = pytest.mark.django_db


def china(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def client(veteran: Any) -> Client:
    return browser_as(veteran, "en")


@pytest.fixture
def agent(now: datetime) -> Any:
    return UserFactory(role=roles.AGENT)


@pytest.fixture
def pending(now: datetime, veteran: Any) -> RefundRequest:
    """Under review (rule 15: the reason "other" always goes to a person)."""
    refund = file_request(veteran, delivered_order(veteran, now), reason="other")
    assert refund.status == RefundStatus.PENDING_REVIEW
    return refund


def ask(
    refund: RefundRequest, agent: Any, body: str = "Please send a photo of the receipt."
) -> None:
    services.refund_message_post(refund=refund, author=agent, body=body, awaiting_customer=True)


def evidence_file(photo: Evidence) -> str:
    return f"/api/v1/evidence/{photo.pk}/file/"


def reload(refund: RefundRequest) -> RefundRequest:
    return RefundRequest.objects.get(pk=refund.pk)


# --- The thread ----------------------------------------------------------------------


def test_the_thread_shows_each_message_newest_last_with_its_author_and_china_time(
    now, veteran, client, agent, pending
):
    services.refund_message_post(refund=pending, author=veteran, body="The soup was cold.")
    with clock.frozen_at(now + timedelta(minutes=7)):
        services.refund_message_post(refund=pending, author=agent, body="Sorry; checking now.")
    with clock.frozen_at(now + timedelta(minutes=9)):
        services.refund_message_post(refund=pending, author=veteran, body="Thank you.")

    response = client.get(page_url(pending))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="thread"' in html
    assert html.count('data-testid="message"') == 3
    roles_in_order = [part.split('"', 1)[0] for part in html.split('data-author-role="')[1:]]
    assert roles_in_order == ["customer", "agent", "customer"]
    page = text(response)
    assert page.index("The soup was cold.") < page.index("Sorry; checking now.")
    assert page.index("Sorry; checking now.") < page.index("Thank you.")
    assert f"Customer service {china(now + timedelta(minutes=7))} Sorry; checking now." in page
    assert f"You {china(now)} The soup was cold." in page


def test_a_request_without_messages_invites_the_first_one(now, client, pending):
    response = client.get(page_url(pending))
    assert 'data-testid="thread"' in response.content.decode()
    assert 'data-testid="message"' not in response.content.decode()
    assert "No messages yet" in text(response)
    assert 'data-testid="reply-form"' in response.content.decode()


def test_photos_of_a_message_show_with_it_and_open_full_size(now, veteran, client):
    filed = stored_photo(veteran, 4)
    refund = file_request(
        veteran, delivered_order(veteran, now), reason="other", evidence_ids=[filed.pk]
    )
    sent = stored_photo(veteran, 5)
    services.refund_message_post(
        refund=refund, author=veteran, body="Here is the bag.", evidence_ids=[sent.pk]
    )

    html = client.get(page_url(refund)).content.decode()

    thread = html.split('data-testid="thread"', 1)[1].split('id="reply"', 1)[0]
    assert f'<a href="{evidence_file(sent)}"' in thread
    assert f'<img src="{evidence_file(sent)}"' in thread
    assert evidence_file(filed) not in thread
    # The request's own photos are listed apart, without the message's.
    details = html.split('id="details-title"', 1)[1]
    assert evidence_file(filed) in details
    assert evidence_file(sent) not in details


# --- Replying --------------------------------------------------------------------------


def test_the_customer_replies_and_lands_back_on_the_thread(now, veteran, client, pending):
    response = client.post(page_url(pending, "messages"), {"body": "  It was cold when it came.  "})

    assert response.status_code == 302
    assert response["Location"] == f"{page_url(pending)}#thread"
    message = Message.objects.get(request=pending)
    assert message.body == "It was cold when it came."
    assert message.author_role == roles.CUSTOMER
    page = client.get(response["Location"])
    assert "Your message was sent." in text(page)
    assert "It was cold when it came." in text(page)
    assert 'data-author-role="customer"' in page.content.decode()


def test_a_reply_with_a_photo_attaches_it_to_the_message_and_the_request(
    now, veteran, client, pending
):
    response = client.post(
        page_url(pending, "messages"), {"body": "See the photo.", "photos": [photo_upload(8)]}
    )

    assert response.status_code == 302
    message = Message.objects.get(request=pending)
    photo = Evidence.objects.get(message=message)
    assert photo.request_id == pending.pk
    html = client.get(page_url(pending)).content.decode()
    thread = html.split('data-testid="thread"', 1)[1].split('id="reply"', 1)[0]
    assert evidence_file(photo) in thread


def test_an_empty_reply_is_refused_on_the_page(now, client, pending):
    response = client.post(page_url(pending, "messages"), {"body": "   "})
    assert response.status_code == 400
    assert "Write a message." in text(response)
    assert not Message.objects.exists()


def test_a_seventh_photo_is_refused_the_text_kept_and_nothing_stored(now, veteran, client):
    order = delivered_order(veteran, now)
    six = [stored_photo(veteran, seed).pk for seed in range(1, 7)]
    refund = file_request(veteran, order, reason="other", evidence_ids=six)
    assert refund.evidence.count() == 6

    response = client.post(
        page_url(refund, "messages"), {"body": "One more photo.", "photos": [photo_upload(9)]}
    )

    assert response.status_code == 400
    assert "At most 6 photos per request." in text(response)
    assert ">One more photo.</textarea>" in response.content.decode()
    assert not Message.objects.exists()
    assert Evidence.objects.count() == 6


def test_seven_photos_in_one_reply_are_refused_by_the_form(now, client, pending):
    response = client.post(
        page_url(pending, "messages"),
        {"body": "All of them.", "photos": [photo_upload(seed) for seed in range(7)]},
    )
    assert response.status_code == 400
    assert "At most 6 photos per request." in text(response)
    assert ">All of them.</textarea>" in response.content.decode()
    assert not Evidence.objects.exists()


# --- Waiting for the customer's answer ---------------------------------------------------


def test_while_waiting_the_banner_says_what_was_asked_and_by_when(now, client, agent, pending):
    ask(pending, agent)

    response = client.get(page_url(pending))

    html = response.content.decode()
    assert 'data-testid="waiting-banner"' in html
    banner = html.split('data-testid="waiting-banner"', 1)[1].split("</section>", 1)[0]
    assert "Please send a photo of the receipt." in banner
    assert china(now + timedelta(hours=48)) in banner
    assert "rejected" in banner
    assert 'href="#reply"' in banner
    # The reply box comes right after the banner, before the status and amounts.
    assert html.index('data-testid="waiting-banner"') < html.index('id="reply"')
    assert html.index('id="reply"') < html.index('id="status-title"')
    assert 'class="status status-awaiting_customer">Needs your answer<' in html
    assert 'data-testid="nudge"' not in html
    assert html.count("data-question-open") == 1


def test_answering_moves_the_request_back_to_review_and_the_banner_goes(
    now, client, agent, pending
):
    ask(pending, agent)

    with clock.frozen_at(now + timedelta(hours=3)):
        response = client.post(page_url(pending, "messages"), {"body": "Receipt attached."})
        assert response.status_code == 302
        page = client.get(page_url(pending))

    assert reload(pending).status == RefundStatus.PENDING_REVIEW
    assert 'data-testid="waiting-banner"' not in page.content.decode()
    assert "data-question-open" not in page.content.decode()
    assert "data-asks-customer" in page.content.decode()  # the question stays in the thread
    assert "Your answer was sent." in text(page)
    assert [m.author_role for m in Message.objects.filter(request=pending)] == [
        roles.AGENT,
        roles.CUSTOMER,
    ]


def test_a_waiting_request_can_still_be_cancelled(now, client, agent, pending):
    ask(pending, agent)
    assert "Cancel request" in text(client.get(page_url(pending)))

    response = client.post(page_url(pending, "cancel"))

    assert response.status_code == 302
    assert reload(pending).status == RefundStatus.CANCELLED


def test_the_order_list_tells_the_customer_a_request_needs_their_answer(
    now, veteran, client, agent, pending
):
    ask(pending, agent)

    response = client.get(ORDERS)

    html = response.content.decode()
    assert "data-needs-answer" in html
    assert 'class="status status-awaiting_customer">Needs your answer<' in html
    assert "A request for this order needs your answer." in text(response)
    assert f'href="/orders/{pending.order.number}/refund/"' not in html


# --- Closed requests --------------------------------------------------------------------


def test_a_closed_request_has_no_reply_box_and_a_late_post_reads_409(now, veteran, client, pending):
    services.refund_cancel(request=pending, customer=veteran)

    page = client.get(page_url(pending))
    assert 'data-testid="reply-form"' not in page.content.decode()
    assert "This request is closed and takes no more messages." in text(page)

    response = client.post(page_url(pending, "messages"), {"body": "Hello?"})

    assert response.status_code == 409
    assert 'data-error-code="conflict"' in response.content.decode()
    assert "This request is closed; it takes no more messages." in text(response)
    assert not Message.objects.exists()


def test_a_rejected_request_points_at_the_appeal_instead(now, veteran, client):
    refund = file_request(veteran, delivered_order(veteran, now), reason="changed_mind")
    assert refund.status == RefundStatus.REJECTED

    page = client.get(page_url(refund))

    html = page.content.decode()
    assert 'data-testid="reply-form"' not in html
    assert "appeal it instead" in text(page)
    assert 'href="#appeal-form-title"' in html
    assert 'id="appeal-form-title"' in html


def test_a_refused_reply_discards_the_photos_it_stored(now, veteran, client, pending):
    services.refund_cancel(request=pending, customer=veteran)

    response = client.post(
        page_url(pending, "messages"), {"body": "Late photo.", "photos": [photo_upload(3)]}
    )

    assert response.status_code == 409
    assert not Evidence.objects.exists()


# --- Another customer ----------------------------------------------------------------------


def test_another_customer_finds_nothing_to_read_write_or_hurry(now, pending):
    stranger = browser_as(old_customer(), "en")

    assert stranger.get(page_url(pending)).status_code == 404
    assert stranger.post(page_url(pending, "messages"), {"body": "Hi"}).status_code == 404
    assert stranger.post(page_url(pending, "nudge")).status_code == 404
    assert not Message.objects.exists()
    assert reload(pending).nudge_count == 0


# --- The nudge (催办) -------------------------------------------------------------------------


def test_the_customer_hurries_a_request_and_sees_when_they_may_again(now, client, pending):
    page = client.get(page_url(pending))
    assert 'data-testid="nudge"' in page.content.decode()
    assert "data-nudge-again" not in page.content.decode()

    response = client.post(page_url(pending, "nudge"))

    assert response.status_code == 302
    assert reload(pending).nudge_count == 1
    page = client.get(page_url(pending))
    html = page.content.decode()
    assert "We asked customer service to hurry" in text(page)
    assert "You hurried this request 1 time." in text(page)
    button = re.search(r'<button[^>]*data-testid="nudge"[^>]*>', html)
    assert button is not None
    assert " disabled" in button.group(0)
    assert f"You can hurry it again from {china(now + timedelta(hours=2))}." in text(page)


def test_a_second_nudge_within_two_hours_reads_a_friendly_429(now, client, pending):
    assert client.post(page_url(pending, "nudge")).status_code == 302

    with clock.frozen_at(now + timedelta(minutes=90)):
        response = client.post(page_url(pending, "nudge"))

    assert response.status_code == 429
    assert 'data-error-code="throttled"' in response.content.decode()
    again = china(now + timedelta(hours=2))
    assert f"you can again from {again}" in text(response)
    assert f"You can hurry it again from {again}." in text(response)
    assert reload(pending).nudge_count == 1


def test_after_two_hours_the_button_is_back_and_counts_again(now, client, pending):
    assert client.post(page_url(pending, "nudge")).status_code == 302

    with clock.frozen_at(now + timedelta(hours=2)):
        page = client.get(page_url(pending))
        assert "data-nudge-again" not in page.content.decode()
        assert client.post(page_url(pending, "nudge")).status_code == 302
        page = client.get(page_url(pending))

    assert "You hurried this request 2 times." in text(page)


def test_only_a_request_under_review_offers_the_nudge(now, veteran, client, pending):
    services.refund_cancel(request=pending, customer=veteran)

    assert 'data-testid="nudge"' not in client.get(page_url(pending)).content.decode()
    response = client.post(page_url(pending, "nudge"))
    assert response.status_code == 409
    assert 'data-error-code="conflict"' in response.content.decode()


# --- Queries ------------------------------------------------------------------------------------


def test_the_request_page_runs_as_many_queries_however_long_the_thread(
    now, veteran, client, agent, pending, django_assert_max_num_queries
):
    services.refund_message_post(
        refund=pending,
        author=veteran,
        body="First.",
        evidence_ids=[stored_photo(veteran, 1).pk],
    )
    # Session, user, roles, the request and its prefetches, the messages
    # and their photos, the unread badge.
    with django_assert_max_num_queries(11):
        client.get(page_url(pending))
    for minutes in range(1, 9):
        with clock.frozen_at(now + timedelta(minutes=minutes)):
            author = agent if minutes % 2 else veteran
            photos = [stored_photo(veteran, 10 + minutes).pk] if minutes < 4 else []
            services.refund_message_post(
                refund=pending,
                author=author,
                body=f"message {minutes}",
                evidence_ids=photos if author == veteran else [],
            )
    with django_assert_max_num_queries(11):
        response = client.get(page_url(pending))
    assert response.content.decode().count('data-testid="message"') == 9
    assert "message 8" in text(response)
