"""Project-level endpoints: the health check, the schema."""

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
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


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except redis.RedisError as exc:
        logger.warning("health check: broker down: %s", exc)
        return "down"
    return "ok"


def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers. A dead broker degrades but does not
    fail the portal: approvals still commit and the sweep pays them later."""
    database = _database_state()
    broker = _broker_state()
    healthy = database == "ok"
    state = "ok" if healthy and broker != "down" else ("degraded" if healthy else "down")
    return JsonResponse(
        {"status": state, "database": database, "broker": broker}, status=200 if healthy else 503
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
    from django.views.csrf import csrf_failure as page_failure

    return page_failure(request, reason)


_generation_lock = threading.Lock()


class SchemaView(SpectacularAPIView):
    """drf-spectacular generates a schema by writing to view and schema
    objects that concurrent requests share (tfranzel/drf-spectacular#1123):
    two requests at once answered 500, or a schema with another operation's
    response in it. One generation at a time."""

    def _get_schema_response(self, request: Request) -> Response:
        with _generation_lock:
            return super()._get_schema_response(request)
