"""The request id: taken from ``X-Request-ID`` when sane, answered in the
same header, written on every log line of the request (JSON lines with
``LOG_FORMAT=json``) and carried into the Celery tasks the request sends."""

import io
import json
import logging
import re

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory

from refundportal.celery_app import app
from refundportal.logs import (
    JsonFormatter,
    RequestIdFilter,
    RequestIdMiddleware,
    clear_request_id,
    current_request_id,
)
from refundportal.tasks import ping

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_lines():
    """Every log record, as the JSON handler writes it, one dict per line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(before)


def test_the_callers_request_id_comes_back_in_the_header(db):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="checkout-7f3a.42")
    assert response["X-Request-ID"] == "checkout-7f3a.42"


@pytest.mark.parametrize("sent", [None, "", "two words", "x" * 200, "<script>", "id\nforged"])
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(db, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    answered = Client().get("/healthz", **headers)["X-Request-ID"]
    assert HEX_ID.fullmatch(answered)


def test_every_request_gets_its_own_id(db):
    client = Client()
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def test_the_request_line_is_one_json_object_with_the_id_and_the_timing(db, json_lines):
    Client().get("/api/v1/orders/", HTTP_X_REQUEST_ID="req-json-1")
    (line,) = [entry for entry in json_lines() if entry["logger"] == "refundportal.request"]
    assert line["request_id"] == "req-json-1"
    assert line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/orders/", 401)
    assert isinstance(line["duration_ms"], float)
    assert line["time"].endswith("+00:00")
    assert "GET /api/v1/orders/ 401" in line["message"]


def test_lines_written_while_serving_a_request_carry_its_id(json_lines):
    def view(request):
        logging.getLogger("refundportal.test").warning("inside the request")
        return HttpResponse("ok")

    RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-json-2"))
    clear_request_id()
    lines = [
        entry
        for entry in json_lines()
        if entry["logger"] in {"refundportal.test", "refundportal.request"}
    ]
    assert [entry["logger"] for entry in lines] == ["refundportal.test", "refundportal.request"]
    assert {entry["request_id"] for entry in lines} == {"req-json-2"}


def test_outside_a_request_the_id_is_null(json_lines):
    logging.getLogger("refundportal.test").warning("no request here")
    (line,) = [entry for entry in json_lines() if entry["logger"] == "refundportal.test"]
    assert line["request_id"] is None


def test_logs_are_plain_text_locally_with_the_request_id():
    console = settings.LOGGING["handlers"]["console"]
    assert settings.LOG_FORMAT == "plain"
    assert console["formatter"] == "plain"
    assert "%(request_id)s" in settings.LOGGING["formatters"]["plain"]["format"]
    assert console["filters"] == ["request_id", "client_errors"]


def test_a_task_published_inside_a_request_carries_the_id():
    """Published for real (to an in-memory broker), not run in-process."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write("memory://") as connection:

            def view(request):
                with connection.Producer() as producer:
                    ping.apply_async(producer=producer)
                return HttpResponse("sent")

            request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-task-1")
            response = RequestIdMiddleware(view)(request)
            clear_request_id()
            queue = connection.SimpleQueue("default")
            message = queue.get(timeout=2)
            message.ack()
            queue.close()
    finally:
        app.conf.task_always_eager = eager
    assert response["X-Request-ID"] == "req-task-1"
    assert message.headers["task"] == "refundportal.tasks.ping"
    assert message.headers["request_id"] == "req-task-1"


def test_a_worker_runs_the_task_under_the_id_it_was_sent_with():
    from celery import signals

    seen = []

    def during(**kwargs):
        seen.append(current_request_id())

    signals.task_prerun.connect(during, weak=False)
    try:
        assert ping.apply(headers={"request_id": "req-task-2"}).result == "pong"
    finally:
        signals.task_prerun.disconnect(during)
    assert seen == ["req-task-2"]
    # The next task on that worker does not inherit it.
    assert current_request_id() is None
