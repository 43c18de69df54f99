"""Structured logs and the request id.

Every request gets an id: the caller's ``X-Request-ID`` when it is a sane
token, a fresh uuid4 hex otherwise. It is kept in a context variable for the
request's lifetime, answered in the response header, written on every log
line, and sent along with every Celery task the request publishes, so that a
worker's lines for that task carry it too.

``LOG_FORMAT=json`` writes one JSON object per line: ``time``, ``level``,
``logger``, ``message``, ``request_id`` and, on the line that closes a request,
``method``, ``path``, ``status`` and ``duration_ms``.
"""

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Only for the types: the Celery app imports this module before Django
    # is set up.
    from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
# The header name tasks carry the id under.
TASK_HEADER = "request_id"
REQUEST_FIELDS = ("method", "path", "status", "duration_ms")
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Letters, digits and - _ . : only, at most 128: anything else (spaces,
# quotes, control characters, a megabyte of text) is not copied into logs.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")

access_logger = logging.getLogger("refundportal.request")


def current_request_id() -> str | None:
    return request_id_var.get()


def request_id_from(header: str | None) -> str:
    """The caller's id when it is a sane token, else a new one."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (``-`` outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get() or "-"
        return True


class NoTracebackForClientErrors(logging.Filter):
    """A 4xx is the caller's doing, not the portal's: a line about one (a
    ``DisallowedHost``, a ``PermissionDenied``) is kept without the
    traceback Django attaches. 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if request_id == "-" else request_id,
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def make_formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(PLAIN_FORMAT)


class RequestIdMiddleware:
    """Sets the request id for the request's lifetime, answers it in the
    ``X-Request-ID`` header and writes one line per request."""

    def __init__(self, get_response: Callable[["HttpRequest"], "HttpResponse"]) -> None:
        from django.core.signals import request_finished

        self.get_response = get_response
        request_finished.connect(
            clear_request_id, dispatch_uid="refundportal.logs.clear_request_id"
        )

    def __call__(self, request: "HttpRequest") -> "HttpResponse":
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        # Not reset on the way out: Django logs a 4xx ("Not Found: ...")
        # after the middleware returns. ``request_finished`` clears it.
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        access_logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        return response


def clear_request_id(**kwargs: Any) -> None:
    """``request_finished``: what the thread logs next is not the request's."""
    request_id_var.set(None)


# --- Celery: the id travels in the task's headers -----------------------------


def add_request_id_to_task(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """``before_task_publish``: a task published inside a request carries
    its id."""
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


_task_tokens: dict[str, Token[str | None]] = {}


def restore_request_id(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """``task_prerun``: the worker runs the task under the id it was sent
    with. A task run in-process (eager) keeps the id it already has."""
    request = getattr(task, "request", None)
    request_id = getattr(request, TASK_HEADER, None) or (
        (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    )
    if task_id and isinstance(request_id, str) and _SANE_REQUEST_ID.fullmatch(request_id):
        _task_tokens[task_id] = request_id_var.set(request_id)


def forget_request_id(task_id: str | None = None, **kwargs: Any) -> None:
    """``task_postrun``: the next task on this worker starts without it."""
    token = _task_tokens.pop(task_id, None) if task_id else None
    if token is not None:
        request_id_var.reset(token)


def format_worker_logs(logger: logging.Logger, **kwargs: Any) -> None:
    """``after_setup_logger`` / ``after_setup_task_logger``: the worker's
    own handlers write the portal's format, request id included."""
    from django.conf import settings

    formatter = make_formatter(getattr(settings, "LOG_FORMAT", "plain"))
    for handler in logger.handlers:
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(formatter)


def connect_task_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(add_request_id_to_task, weak=False)
    signals.task_prerun.connect(restore_request_id, weak=False)
    signals.task_postrun.connect(forget_request_id, weak=False)
    signals.after_setup_logger.connect(format_worker_logs, weak=False)
    signals.after_setup_task_logger.connect(format_worker_logs, weak=False)
