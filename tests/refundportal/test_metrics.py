"""GET /metrics: Prometheus' text format with request counts and latency,
and the business gauges counted at scrape time; for loopback callers and
the bearer of METRICS_TOKEN only."""

from datetime import timedelta

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from refundportal import clock
from refundportal.metrics import readable_route
from refunds.states import RefundStatus
from tests.factories import RefundRequestFactory, UserFactory, create_order

pytestmark = pytest.mark.django_db


def scrape(client: Client | None = None, **headers: str) -> dict[tuple[str, tuple], float]:
    response = (client or Client()).get("/metrics", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def requests_total(samples, method: str, status: str, route: str | None = None) -> float:
    """Requests answered with ``method`` and ``status``, on ``route`` or on any."""
    return sum(
        value
        for (name, labels), value in samples.items()
        if name == "refundportal_http_requests_total"
        and dict(labels)["method"] == method
        and dict(labels)["status"] == status
        and (route is None or dict(labels)["route"] == route)
    )


def routes(samples) -> set[str]:
    return {
        dict(labels)["route"]
        for name, labels in samples
        if name == "refundportal_http_requests_total"
    }


def test_requests_are_counted_by_method_and_status_and_timed():
    client = Client()
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.post("/api/v1/orders/", {}, content_type="application/json")
    after = scrape(client)
    assert requests_total(after, "GET", "200") - requests_total(before, "GET", "200") >= 2
    assert requests_total(after, "POST", "401") - requests_total(before, "POST", "401") == 1
    count = (
        "refundportal_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "healthz")),
    )
    assert after[count] - before.get(count, 0.0) == 2


def test_requests_are_labelled_by_their_route_pattern_not_their_path():
    """Two ids, one series: a label per id would grow the metrics without end."""
    customer = UserFactory(role="customer")
    first = RefundRequestFactory(order=create_order(customer=customer))
    second = RefundRequestFactory(order=create_order(customer=customer))
    client = Client()
    client.force_login(customer)
    route = "api/v1/refunds/<pk>/"
    before = scrape(client)
    assert client.get(f"/api/v1/refunds/{first.pk}/").status_code == 200
    assert client.get(f"/api/v1/refunds/{second.pk}/").status_code == 200
    after = scrape(client)
    assert (
        requests_total(after, "GET", "200", route) - requests_total(before, "GET", "200", route)
        == 2
    )
    assert not any(
        f"/{refund.pk}/" in label for refund in (first, second) for label in routes(after)
    )


def test_paths_no_route_takes_share_one_label():
    client = Client()
    client.get("/no-such-page-4f1c/")
    client.get("/api/v1/no-such-thing-9a2b/")
    before = scrape(client)
    for n in range(3):
        assert client.get(f"/random-{n}-e7d0/").status_code == 404
        assert client.get(f"/api/v1/random-{n}-e7d0/").status_code == 404
    after = scrape(client)
    assert routes(after) == routes(before) | {"metrics"}
    assert "<unmatched>" in routes(after)
    assert not any("random" in label for label in routes(after))
    assert (
        requests_total(after, "GET", "404", "<unmatched>")
        - requests_total(before, "GET", "404", "<unmatched>")
        == 6
    )


def test_static_files_share_one_label():
    client = Client()
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    samples = scrape(client)
    assert requests_total(samples, "GET", "200", "<static>") >= 1
    assert not any("app.css" in label for label in routes(samples))


def test_an_unknown_method_is_one_label():
    client = Client()
    client.generic("BREW", "/healthz")
    labels = {labels for name, labels in scrape(client) if name.startswith("refundportal_http")}
    assert all(dict(label).get("method") != "BREW" for label in labels)


def test_refunds_the_review_queue_and_breaches_are_counted_at_scrape_time():
    customer = UserFactory(role="customer")
    now = clock.now()
    RefundRequestFactory(order=create_order(customer=customer))
    RefundRequestFactory(
        order=create_order(customer=customer), review_due_at=now - timedelta(hours=1)
    )
    RefundRequestFactory(order=create_order(customer=customer), status=RefundStatus.REJECTED)
    samples = scrape()
    assert samples[("refundportal_refund_requests", (("status", "pending_review"),))] == 2
    assert samples[("refundportal_refund_requests", (("status", "rejected"),))] == 1
    assert samples[("refundportal_refund_requests", (("status", "refunded"),))] == 0
    assert samples[("refundportal_review_queue_depth", ())] == 2
    assert samples[("refundportal_sla_breached_pending", ())] == 1
    assert samples[("refundportal_payout_attempts_total", (("outcome", "succeeded"),))] == 0


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_loopback_callers_may_scrape(address):
    assert Client().get("/metrics", REMOTE_ADDR=address).status_code == 200


def test_other_callers_are_refused_without_the_token():
    response = Client().get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert b"refundportal_" not in response.content


def test_a_request_a_proxy_passed_on_is_not_local():
    response = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403


def test_the_bearer_of_the_token_may_scrape_from_anywhere(settings):
    settings.METRICS_TOKEN = "scrape-me-7d1c"
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    ok = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-7d1c", **remote)
    assert ok.status_code == 200
    wrong = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer guess", **remote)
    assert wrong.status_code == 403
    assert Client().get("/metrics", **remote).status_code == 403


def test_without_a_token_set_no_bearer_opens_it(settings):
    settings.METRICS_TOKEN = ""
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403


def test_metrics_are_not_part_of_the_api_schema():
    paths = Client().get("/api/schema/", {"format": "json"}).json()["paths"]
    assert not any("metrics" in path for path in paths)


@pytest.mark.parametrize(
    ("route", "label"),
    [
        ("api/v1/refunds/(?P<pk>[^/.]+)/$", "api/v1/refunds/<pk>/"),
        ("admin/^(?P<app_label>auth|refunds)/$", "admin/<app_label>/"),
        (r"x/(?P<n>(a|\))[)]+)/y", "x/<n>/y"),
        ("refunds/<int:pk>/", "refunds/<int:pk>/"),
        ("", "/"),
    ],
)
def test_a_regular_expression_route_reads_like_a_path_route(route, label):
    assert readable_route(route) == label


def test_the_request_metrics_carry_route_method_and_status():
    client = Client()
    client.get("/healthz")
    samples = scrape(client)
    counted = {labels for name, labels in samples if name == "refundportal_http_requests_total"}
    timed = {
        labels
        for name, labels in samples
        if name == "refundportal_http_request_duration_seconds_count"
    }
    assert counted and all(
        {key for key, _ in labels} == {"route", "method", "status"} for labels in counted
    )
    assert timed and all({key for key, _ in labels} == {"route", "method"} for labels in timed)
