"""Project-level endpoints: the health check, the schema."""

import logging
import threading

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as page_failure
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

logger = logging.getLogger(__name__)


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("health check: database down: %s", exc)
        return "down"
    return "ok"


def _redis_state(url: str, what: str) -> str:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        logger.warning("health check: %s down: %s", what, exc)
        return "down"
    return "ok"


def _cache_state() -> str:
    location = settings.CACHES["default"].get("LOCATION", "")
    if not str(location).startswith("redis"):
        return "in-process"
    return _redis_state(str(location), "cache")


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    return _redis_state(settings.CELERY_BROKER_URL, "broker")


def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers. A dead cache or broker degrades but
    does not fail the portal: throttles count in each process, approvals
    still commit and the sweep pays them later."""
    database = _database_state()
    cache = _cache_state()
    broker = _broker_state()
    healthy = database == "ok"
    degraded = "down" in (cache, broker)
    state = ("degraded" if degraded else "ok") if healthy else "down"
    return JsonResponse(
        {"status": state, "database": database, "cache": cache, "broker": broker},
        status=200 if healthy else 503,
    )


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"code": "not_found", "detail": _("Not found.")}, status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """API clients get the error envelope; pages get Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": "forbidden",
                "detail": _("CSRF check failed: %(reason)s") % {"reason": reason},
            },
            status=403,
        )
    return page_failure(request, reason)


_generation_lock = threading.Lock()


class SchemaView(SpectacularAPIView):
    """drf-spectacular generates a schema by writing to view and schema
    objects that concurrent requests share (tfranzel/drf-spectacular#1123):
    two requests at once answered 500, or a schema with another operation's
    response in it. One generation at a time.

    The schema is written in English whatever the caller's language (its
    descriptions, titles and enum labels): a client generated from it must
    not depend on who fetched it."""

    def _get_schema_response(self, request: Request) -> Response:
        with _generation_lock, translation.override("en"):
            return super()._get_schema_response(request)
