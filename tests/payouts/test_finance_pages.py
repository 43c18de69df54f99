"""Finance's pages: the payouts list with filters and totals, a payout with
its attempts, retry behind a confirmation, reroute to the platform balance,
and the sandbox ledger; through Django's test client."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import roles
from orders.models import TenderMethod
from payouts.models import Payout, PayoutAttempt, SandboxLedgerEntry
from payouts.states import PayoutStatus
from refunds import services as refund_services
from refunds.models import RefundRequest
from refunds.states import RefundStatus
from tests.conftest import client_as
from tests.factories import UserFactory, create_order

pytestmark = pytest.mark.django_db

LIST = "/finance/payouts/"
LEDGER = "/finance/ledger/"


def detail(pk: int) -> str:
    return f"/finance/payouts/{pk}/"


def browser_as(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def payout_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-payout-id="(\d+)"', html)]


def approved_refund(capture, account: str = "alipay:138****0001", amount: str = "24.00"):
    """A request on an order the merchant has not accepted: approved at once
    (R4), its first payout attempt run when the approval commits."""
    customer = UserFactory(role=roles.CUSTOMER, date_joined=timezone.now() - timedelta(days=90))
    order = create_order(
        customer=customer, tenders=[{"method": "alipay", "amount": amount, "account": account}]
    )
    with capture(execute=True):
        refund = refund_services.refund_file(
            customer=customer, order_number=order.number, reason="other"
        ).request
    assert refund.status == RefundStatus.APPROVED
    return refund


@pytest.fixture
def failed_payout(django_capture_on_commit_callbacks):
    """A payout the gateway declined: failed at once."""
    refund = approved_refund(django_capture_on_commit_callbacks, account="card-decline-4000")
    payout = Payout.objects.get(refund=refund)
    assert payout.status == PayoutStatus.FAILED
    return payout


@pytest.fixture
def finance(db):
    return UserFactory(username="finance_chen", role=roles.FINANCE)


# --- Who may open the pages ------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "reads", "acts"),
    [
        (roles.FINANCE, 200, True),
        (roles.MANAGER, 200, False),
        (roles.AGENT, 403, False),
        (roles.SENIOR_AGENT, 403, False),
        (roles.CUSTOMER, 403, False),
        (roles.INTEGRATION, 403, False),
        (None, 403, False),
    ],
)
def test_each_role_against_the_finance_pages(
    role, reads, acts, failed_payout, django_capture_on_commit_callbacks
):
    client = browser_as(UserFactory(role=role) if role else UserFactory())
    for path in (LIST, detail(failed_payout.pk)):
        assert client.get(path).status_code == reads, path
    # The sandbox ledger is finance's alone (SPEC 7), as in the API.
    assert client.get(LEDGER).status_code == (200 if acts else 403)
    assert ('href="/finance/ledger/"' in client.get(LIST).content.decode()) is acts

    retry_page = client.get(detail(failed_payout.pk) + "retry/")
    reroute = client.post(detail(failed_payout.pk) + "reroute/", {"note": "换到余额"})
    with django_capture_on_commit_callbacks(execute=False):
        retry = client.post(detail(failed_payout.pk) + "retry/")
    if acts:
        assert (retry_page.status_code, reroute.status_code) == (200, 302)
        assert retry.status_code == 409  # already closed by the reroute
    else:
        assert (retry_page.status_code, retry.status_code, reroute.status_code) == (403,) * 3
        failed_payout.refresh_from_db()
        assert (failed_payout.status, failed_payout.closed) == (PayoutStatus.FAILED, False)


def test_anonymous_visitors_are_sent_to_log_in():
    for path in (LIST, LEDGER, detail(1)):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_a_manager_reads_a_failed_payout_but_is_offered_no_action(failed_payout):
    html = browser_as(UserFactory(role=roles.MANAGER)).get(detail(failed_payout.pk)).content
    page = html.decode()
    assert "This payout failed" in page
    assert "Reroute to the platform balance" not in page
    assert "/retry/" not in page
    listing = browser_as(UserFactory(role=roles.MANAGER)).get(LIST).content.decode()
    assert "Export CSV" not in listing  # the export is finance's


# --- The list -------------------------------------------------------------------------


def make_payout(refund, *, status: str, method: str, amount: str, days_ago: int = 0) -> Payout:
    at = timezone.now() - timedelta(days=days_ago)
    tender = refund.order.tenders.first()
    return Payout.objects.create(
        refund=refund,
        tender=tender,
        method=method,
        account=f"{method}:test",
        amount=Decimal(amount),
        status=status,
        idempotency_key=f"rp_test_{Payout.objects.count()}_{status}_{method}_{amount}",
        created_at=at,
        updated_at=at,
    )


@pytest.fixture
def mixed_payouts(django_capture_on_commit_callbacks):
    refund = approved_refund(django_capture_on_commit_callbacks)  # one succeeded alipay 24.00
    made = [
        make_payout(refund, status="failed", method="wechat", amount="5.50"),
        make_payout(refund, status="failed", method="card", amount="4.50", days_ago=3),
        make_payout(refund, status="pending", method="wechat", amount="1.25"),
        make_payout(refund, status="processing", method="wallet", amount="2.00", days_ago=10),
    ]
    return refund, made


def test_the_totals_per_status_and_method_are_right(finance, mixed_payouts):
    html = browser_as(finance).get(LIST).content.decode()

    def total(kind: str, key: str) -> str:
        start = html.index(f'data-{kind}-total="{key}"')
        return re.sub(
            r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : html.index("</tr>", start)])
        )

    # Per status, side by side: nothing adds pending, paid and failed money together.
    assert "data-total-amount" not in html
    assert "¥37.25" not in html
    assert "Succeeded ¥24.00 1 payout" in total("status", "succeeded")
    assert "Failed ¥10.00 2 payouts" in total("status", "failed")
    assert "Pending ¥1.25 1 payout" in total("status", "pending")
    assert "Processing ¥2.00 1 payout" in total("status", "processing")
    assert "Alipay — — 1 · ¥24.00 —" in total("method", "alipay")
    assert "WeChat Pay 1 · ¥1.25 — — 1 · ¥5.50" in total("method", "wechat")

    failed = browser_as(finance).get(LIST + "?status=failed").content.decode()
    assert "Failed ¥10.00 2 payouts" in re.sub(
        r"\s+",
        " ",
        re.sub(r"<[^>]+>", " ", failed[failed.index('data-status-total="failed"') :][:600]),
    )


def test_failed_and_stuck_payouts_come_first_as_needing_action(finance, mixed_payouts):
    _refund, (wechat_failed, card_failed, _pending, wallet_processing) = mixed_payouts
    Payout.objects.filter(pk=wallet_processing.pk).update(
        processing_since=timezone.now() - timedelta(hours=1)
    )

    html = browser_as(finance).get(LIST).content.decode()

    box = html[
        html.index("data-needs-action") : html.index("</section>", html.index("data-needs-action"))
    ]
    listed = {int(pk) for pk in re.findall(r'data-needs-action-payout="(\d+)"', box)}
    assert listed == {wechat_failed.pk, card_failed.pk, wallet_processing.pk}
    assert html.index("data-needs-action") < html.index("staff-filters")


def test_needing_action_says_what_each_payout_waits_for(finance, mixed_payouts):
    _refund, (wechat_failed, _card_failed, _pending, wallet_processing) = mixed_payouts
    Payout.objects.filter(pk=wallet_processing.pk).update(
        processing_since=timezone.now() - timedelta(hours=1)
    )

    html = browser_as(finance).get(LIST).content.decode()

    def line(payout: Payout) -> str:
        start = html.index(f'data-needs-action-payout="{payout.pk}"')
        return html[start : html.index("</li>", start)]

    assert "No answer from the gateway" in line(wallet_processing)
    assert "Retries used up" in line(wechat_failed)
    assert "No answer from the gateway" not in line(wechat_failed)


def test_a_rerouted_payout_counts_once_and_is_not_failed(
    finance, failed_payout, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        browser_as(finance).post(detail(failed_payout.pk) + "reroute/", {"note": "改退余额"})

    html = browser_as(finance).get(LIST).content.decode()

    def status_total(key: str) -> str:
        start = html.index(f'data-status-total="{key}"')
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : start + 600]))

    assert "Failed ¥0.00 0 payouts" in status_total("failed")
    assert "Succeeded ¥24.00 1 payout" in status_total("succeeded")
    assert "data-rerouted-total" in html
    assert "Nothing needs action" in html


def test_the_list_filters_by_status_method_dates_and_refund(
    finance, mixed_payouts, django_capture_on_commit_callbacks
):
    refund, (wechat_failed, card_failed, wechat_pending, wallet_processing) = mixed_payouts
    other = approved_refund(django_capture_on_commit_callbacks)
    client = browser_as(finance)

    def ids(query: str) -> set[int]:
        return set(payout_ids(client.get(LIST + query).content.decode()))

    first = Payout.objects.get(refund=refund, method="alipay")
    assert ids("?status=failed") == {wechat_failed.pk, card_failed.pk}
    assert ids("?method=wechat") == {wechat_failed.pk, wechat_pending.pk}
    assert ids("?status=failed&method=card") == {card_failed.pk}
    today = timezone.localdate().isoformat()
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert wallet_processing.pk not in ids(f"?from={week_ago}")
    assert ids(f"?to={(timezone.localdate() - timedelta(days=1)).isoformat()}") == {
        card_failed.pk,
        wallet_processing.pk,
    }
    assert card_failed.pk in ids(f"?from={week_ago}&to={today}")
    assert ids(f"?refund={other.pk}") == set(
        Payout.objects.filter(refund=other).values_list("pk", flat=True)
    )
    assert first.pk in ids(f"?refund={refund.pk}")


def html_of(response):
    return html.unescape(response.content.decode())


def test_a_bad_filter_shows_a_friendly_error(finance, mixed_payouts):
    response = browser_as(finance).get(LIST + "?status=lost")
    assert response.status_code == 400
    assert "Invalid input: status: Select a valid choice. lost is not one of" in html_of(response)
    response = browser_as(finance).get(LIST + "?from=yesterday")
    assert response.status_code == 400
    assert "Invalid input: from: Enter a valid date." in html_of(response)


def test_the_export_link_carries_the_filters(finance, mixed_payouts):
    html = browser_as(finance).get(LIST + "?status=failed&method=card&page=1").content.decode()
    assert 'href="/api/v1/payouts/export/?status=failed&amp;method=card"' in html
    csv = browser_as(finance).get("/api/v1/payouts/export/?status=failed&method=card")
    assert csv.status_code == 200
    assert csv.content.decode("utf-8-sig").count("\n") == 2  # header and the card payout


def bulk_payouts(refund, count: int) -> None:
    tender = refund.order.tenders.first()
    now = timezone.now()
    start = Payout.objects.count()
    Payout.objects.bulk_create(
        Payout(
            refund=refund,
            tender=tender,
            method=("alipay", "wechat", "card", "wallet")[i % 4],
            account="bulk",
            amount=Decimal("1.00"),
            status=("pending", "failed", "succeeded")[i % 3],
            idempotency_key=f"rp_bulk_{start + i}",
            last_error="declined" if i % 3 == 1 else "",
            created_at=now - timedelta(minutes=i),
            updated_at=now,
        )
        for i in range(count)
    )


def list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries)


def test_the_list_runs_as_many_queries_for_200_payouts_as_for_10(
    finance, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    refund = approved_refund(django_capture_on_commit_callbacks)
    client = browser_as(finance)
    bulk_payouts(refund, 9)
    with django_assert_max_num_queries(8):
        assert len(payout_ids(client.get(LIST).content.decode())) == 10
    few = list_queries(client)
    bulk_payouts(refund, 190)
    many = list_queries(client)
    assert few == many
    html = client.get(LIST).content.decode()
    assert len(payout_ids(html)) == 25
    counts = re.findall(r'data-status-total="\w+">.*?(\d+) payouts?</span>', html, flags=re.S)
    assert sum(int(n) for n in counts) == 200
    assert len(payout_ids(client.get(LIST + "?page=8").content.decode())) == 25


# --- One payout -------------------------------------------------------------------------


def test_a_payout_page_shows_the_payout_and_every_attempt(finance, failed_payout):
    html = browser_as(finance).get(detail(failed_payout.pk)).content.decode()
    assert "¥24.00" in html and "Alipay" in html and "card-decline-4000" in html
    assert failed_payout.idempotency_key in html
    assert f"#{failed_payout.refund_id}" in html and failed_payout.refund.order.number in html
    assert "Declined by the gateway" in html  # the last error, in the reader's language
    attempt = PayoutAttempt.objects.get(payout=failed_payout)
    row = html[html.index('data-attempt="1"') :]
    row = row[: row.index("</tr>")]
    assert 'data-outcome="declined"' in row and "Declined by the gateway" in row
    started = timezone.localtime(attempt.started_at).strftime("%m-%d %H:%M:%S")
    assert started in row
    assert f">{attempt.duration_ms}<" in row


def test_retry_asks_for_confirmation_then_moves_the_payout_back_to_pending(finance, failed_payout):
    client = browser_as(finance)
    html = client.get(detail(failed_payout.pk)).content.decode()
    assert f'href="/finance/payouts/{failed_payout.pk}/retry/"' in html
    assert "<dialog" in html  # the in-page confirmation, when JavaScript runs

    confirm = client.get(detail(failed_payout.pk) + "retry/")
    assert confirm.status_code == 200
    assert f"Retry payout #{failed_payout.pk}?" in confirm.content.decode()
    failed_payout.refresh_from_db()
    assert failed_payout.status == PayoutStatus.FAILED  # asking changes nothing

    retried = client.post(detail(failed_payout.pk) + "retry/")

    assert retried.status_code == 302 and retried["Location"] == detail(failed_payout.pk)
    failed_payout.refresh_from_db()
    assert (failed_payout.status, failed_payout.round_attempts) == (PayoutStatus.PENDING, 0)
    page = client.get(detail(failed_payout.pk)).content.decode()
    assert "is pending again" in page
    step = page[page.index('data-staff-step="retried"') :]
    step = step[: step.index("</li>")]
    assert "Retried: a new round of attempts" in step and finance.username in step

    again = client.post(detail(failed_payout.pk) + "retry/")
    assert again.status_code == 409
    assert "Only a failed payout can be retried." in again.content.decode()
    asked = client.get(detail(failed_payout.pk) + "retry/").content.decode()
    assert "Only a failed payout can be retried; this one is Pending." in asked
    assert "Yes, retry" not in asked


def test_a_retry_is_attempted_again_once_it_commits(
    finance, failed_payout, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        browser_as(finance).post(detail(failed_payout.pk) + "retry/")
    failed_payout.refresh_from_db()
    assert (failed_payout.status, failed_payout.attempts) == (PayoutStatus.FAILED, 2)
    html = browser_as(finance).get(detail(failed_payout.pk)).content.decode()
    assert 'data-attempt="2" data-outcome="declined"' in html


def test_reroute_needs_a_note(finance, failed_payout):
    response = browser_as(finance).post(detail(failed_payout.pk) + "reroute/", {"note": " "})
    assert response.status_code == 400
    assert "A reroute needs a note." in response.content.decode()
    failed_payout.refresh_from_db()
    assert not failed_payout.closed


def test_reroute_creates_a_wallet_payout(
    finance, failed_payout, django_capture_on_commit_callbacks
):
    client = browser_as(finance)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            detail(failed_payout.pk) + "reroute/", {"note": "银行卡被拒，退到余额"}
        )

    failed_payout.refresh_from_db()
    assert failed_payout.closed
    new = Payout.objects.get(rerouted_from=failed_payout)
    assert response.status_code == 302 and response["Location"] == detail(new.pk)
    assert (new.method, new.amount, new.status) == (
        TenderMethod.WALLET,
        failed_payout.amount,
        PayoutStatus.SUCCEEDED,
    )
    assert new.idempotency_key != failed_payout.idempotency_key
    assert RefundRequest.objects.get(pk=failed_payout.refund_id).status == RefundStatus.REFUNDED
    html = client.get(detail(new.pk)).content.decode()
    assert "goes to the customer&#x27;s platform balance" in html
    assert f'href="/finance/payouts/{failed_payout.pk}/"' in html  # rerouted from
    old = client.get(detail(failed_payout.pk)).content.decode()
    assert f"data-rerouted-to>#{new.pk}</a>" in old
    assert "This payout failed" not in old  # closed: nothing left to do
    step = old[old.index('data-staff-step="rerouted"') :]
    assert finance.username in step[: step.index("</li>")]
    assert "data-staff-step" not in client.get(detail(new.pk)).content.decode()


# --- The ledger ---------------------------------------------------------------------------


def test_the_ledger_lists_entries_and_filters_by_key(
    finance, failed_payout, django_capture_on_commit_callbacks
):
    paid = Payout.objects.get(refund=approved_refund(django_capture_on_commit_callbacks))
    client = browser_as(finance)

    html = client.get(LEDGER).content.decode()
    assert html.count("<tr data-ledger-key=") == SandboxLedgerEntry.objects.count() == 2
    assert "Declined" in html and "Paid" in html and "¥24.00" in html

    only = client.get(LEDGER + f"?idempotency_key={paid.idempotency_key}").content.decode()
    assert re.findall(r'<tr data-ledger-key="([^"]+)"', only) == [paid.idempotency_key]
    assert paid.gateway_reference in only
    assert f'href="/finance/payouts/{paid.pk}/"' in only

    none = client.get(LEDGER + "?idempotency_key=rp_nothing").content.decode()
    assert "No entry for this key" in none


def test_finance_lands_on_payouts_and_sees_the_finance_links(finance):
    response = browser_as(finance).get("/")
    assert response["Location"] == LIST
    html = browser_as(finance).get(LIST).content.decode()
    assert 'href="/finance/ledger/"' in html
    assert 'href="/review/"' not in html


@pytest.mark.django_db(transaction=True)
def test_the_banner_after_a_declined_retry_says_it_was_declined_again(
    django_capture_on_commit_callbacks,
):
    # Committed for real: on the embedded default the retry's first attempt
    # runs at the commit, before the page answers.
    refund = approved_refund(django_capture_on_commit_callbacks, account="card-decline-4000")
    payout = Payout.objects.get(refund=refund)
    client = browser_as(UserFactory(role=roles.FINANCE))

    page = client.post(detail(payout.pk) + "retry/", follow=True).content.decode()

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.FAILED and payout.attempts == 2
    assert "was declined again" in page
    assert "Reroute it to the customer" in page
    assert "is pending again" not in page


@pytest.mark.parametrize(("ticked", "customer_reads_it"), [(False, False), (True, True)])
def test_the_reroute_note_is_staff_only_unless_marked_for_the_customer(
    finance, failed_payout, django_capture_on_commit_callbacks, ticked, customer_reads_it
):
    form = {"note": "银行卡已注销"}
    if ticked:
        form["note_for_customer"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        browser_as(finance).post(detail(failed_payout.pk) + "reroute/", form)

    customer = failed_payout.refund.customer
    page = browser_as(customer).get(f"/refunds/{failed_payout.refund_id}/").content.decode()
    api = client_as(customer).get(f"/api/v1/refunds/{failed_payout.refund_id}/").json()

    assert ("银行卡已注销" in page) is customer_reads_it
    assert any("银行卡已注销" in step["note"] for step in api["timeline"]) is customer_reads_it
    assert "platform balance" in page  # where the money went, either way
