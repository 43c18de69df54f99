"""Prometheus metrics at ``/metrics``.

Requests are counted and timed by a middleware, labelled by the route
pattern that answered them (``api/v1/refunds/<int:pk>/``), never by the
path: a path holds ids, and a label per id would grow without end. Paths
no route matched share one ``<unmatched>`` label, static files one
``<static>``. The business gauges (refunds
by status, payout attempts by outcome, the review queue's depth, breached
requests still pending) are read from the database when Prometheus scrapes,
with one COUNT/GROUP BY each, so they are never stale and cost nothing
between scrapes.

Under several worker processes (gunicorn ``--workers``), set
``PROMETHEUS_MULTIPROC_DIR`` to an empty writable directory so that every
scrape adds up all the processes' request counts.
"""

import functools
import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

UNMATCHED = "<unmatched>"
# The route under /api/ that answers 404 for any path no other route takes.
CATCH_ALL_URL_NAME = "api-not-found"
STATIC = "<static>"

REQUESTS = Counter(
    "refundportal_http_requests",
    "HTTP requests answered, by route pattern, method and status code.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "refundportal_http_request_duration_seconds",
    "Time from the request reaching the portal to its response, by route pattern and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class MetricsMiddleware:
    """Counts and times every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        # Any other method is one label, so a client cannot grow the series.
        method = request.method if request.method in KNOWN_METHODS else "other"
        route = route_label(request)
        REQUESTS.labels(route=route, method=method, status=str(response.status_code)).inc()
        LATENCY.labels(route=route, method=method).observe(time.perf_counter() - started)
        return response


def route_label(request: HttpRequest) -> str:
    """The pattern of the route that answered, as written in the URLconf;
    ``<static>`` for a static file (served before any route is looked up),
    ``<unmatched>`` for a path no route takes (the API's catch-all that
    answers 404 under ``/api/`` included)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name == CATCH_ALL_URL_NAME:
        static_url = settings.STATIC_URL or ""
        if static_url and request.path.startswith(static_url):
            return STATIC
        return UNMATCHED
    return readable_route(str(match.route))


@functools.lru_cache(maxsize=1024)
def readable_route(route: str) -> str:
    """A route as a label: a regular expression's named groups read
    ``<name>`` like a path converter's, its anchors go
    (``api/v1/refunds/(?P<pk>[^/.]+)/$`` reads ``api/v1/refunds/<pk>/``)."""
    out = []
    i = 0
    while i < len(route):
        if route.startswith("(?P<", i):
            name_end = route.index(">", i)
            out.append(f"<{route[i + 4 : name_end]}>")
            i = _group_end(route, i)
            continue
        if route[i] not in "^$":
            out.append(route[i])
        i += 1
    return "".join(out) or "/"


def _group_end(route: str, start: int) -> int:
    """The index just past the group opened at ``start``."""
    depth = 0
    in_class = False
    i = start
    while i < len(route):
        char = route[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(route)


class PortalCollector(Collector):
    """The business gauges, counted in the database at scrape time."""

    def collect(self) -> Iterator[Any]:
        from payouts.models import AttemptOutcome, PayoutAttempt
        from refundportal import clock
        from refunds.models import RefundRequest
        from refunds.states import RefundStatus

        try:
            by_status = dict(
                RefundRequest.objects.order_by()
                .values("status")
                .annotate(n=Count("id"))
                .values_list("status", "n")
            )
            by_outcome = dict(
                PayoutAttempt.objects.order_by()
                .values("outcome")
                .annotate(n=Count("id"))
                .values_list("outcome", "n")
            )
            breached = RefundRequest.objects.filter(
                status=RefundStatus.PENDING_REVIEW, review_due_at__lt=clock.now()
            ).count()
        except DatabaseError as exc:
            logger.warning("metrics: database unavailable: %s", exc)
            return

        refunds = GaugeMetricFamily(
            "refundportal_refund_requests", "Refund requests by status.", labels=["status"]
        )
        for status in RefundStatus.values:
            refunds.add_metric([status], by_status.get(status, 0))
        yield refunds

        attempts = CounterMetricFamily(
            "refundportal_payout_attempts",
            "Payout attempts made, by outcome (unknown: under way or never answered).",
            labels=["outcome"],
        )
        for outcome in AttemptOutcome.values:
            attempts.add_metric([outcome], by_outcome.get(outcome, 0))
        yield attempts

        yield GaugeMetricFamily(
            "refundportal_review_queue_depth",
            "Requests waiting for a review (pending_review).",
            value=by_status.get(RefundStatus.PENDING_REVIEW, 0),
        )
        yield GaugeMetricFamily(
            "refundportal_sla_breached_pending",
            "Requests still pending review past their review deadline.",
            value=breached,
        )


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(PortalCollector())
    return registry


class _ProcessMetrics(Collector):
    """This process's request metrics (and the client's process metrics)."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


def _forwarded(request: HttpRequest) -> bool:
    """A request a proxy passed on: its socket address is the proxy's."""
    return any(
        header in request.META
        for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")
    )


def metrics_allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        sent = request.headers.get("Authorization", "")
        if hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return address.is_loopback and not _forwarded(request)


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format, for loopback callers or the bearer of
    ``METRICS_TOKEN``; 403 for anyone else."""
    if not metrics_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
