"""The console of ``make run``: one line per request, no traceback for a
visitor's 403 or 404, progress bars only on a terminal, and the address
taken from ``HOST`` and ``PORT``."""

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client

from accounts import roles
from tests.conftest import BASE_DIR
from tests.factories import UserFactory


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the configured console handler writes (the LOGGING setting's,
    filters, levels and format as they are)."""
    (handler,) = [h for h in logging.getLogger().handlers if h.name == "console"]
    stream = io.StringIO()
    assert isinstance(handler, logging.StreamHandler)
    before = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(before)


def lines_about(stream: io.StringIO, path: str) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if path in line]


def test_a_404_is_one_line_without_a_traceback(db, console):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    (line,) = lines_about(console, "/no-such-page/")
    assert "refundportal.request" in line and " 404 " in line
    assert "Traceback" not in console.getvalue()


def test_a_403_is_one_line_without_a_traceback(db, console):
    customer = UserFactory(role=roles.CUSTOMER)
    client = Client()
    client.force_login(customer)
    response = client.get("/review/")
    assert response.status_code == 403
    (line,) = lines_about(console, "/review/")
    assert " 403 " in line
    assert "Traceback" not in console.getvalue()
    assert "PermissionDenied" not in console.getvalue()


def test_an_api_404_is_one_line_too(db, console):
    assert Client().get("/api/v1/no-such-thing/").status_code == 404
    assert len(lines_about(console, "/api/v1/no-such-thing/")) == 1


def test_a_client_error_logged_elsewhere_loses_only_its_traceback(console):
    try:
        raise PermissionError("not yours")
    except PermissionError:
        logging.getLogger("django.security.Test").error(
            "Invalid HTTP_HOST header", exc_info=True, extra={"status_code": 400}
        )
        logging.getLogger("refundportal.test").error(
            "the portal failed", exc_info=True, extra={"status_code": 500}
        )
    output = console.getvalue()
    assert "Invalid HTTP_HOST header" in output
    # The 500 keeps its traceback: that one is the portal's to fix.
    assert output.count("Traceback") == 1
    assert output.index("Traceback") > output.index("the portal failed")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stderr", "bars"), [(io.StringIO, False), (Terminal, True)])
def test_seed_demo_draws_progress_bars_only_on_a_terminal(db, monkeypatch, stderr, bars):
    err = stderr()
    monkeypatch.setattr(sys, "stderr", err)
    call_command("seed_demo", orders=8, months=1, refund_share=0.2, stdout=io.StringIO())
    assert ("order/s" in err.getvalue() or "it/s" in err.getvalue()) is bars
    assert ("\r" in err.getvalue()) is bars


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_served_portal_writes_one_line_per_request_on_host_and_port(tmp_path):
    """``scripts/serve.sh``, the last step of ``make run``: no banner of the
    server's own, no access line of its own beside the portal's."""
    port = free_port()
    sqlite = tmp_path / "db.sqlite3"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG"}
    }
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        PY=sys.executable,
        SQLITE_PATH=str(sqlite),
        REFUNDPORTAL_VAR_DIR=str(tmp_path / "var"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        timeout=120,
    )
    server = subprocess.Popen(
        ["bash", "scripts/serve.sh"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(f"{base}/healthz") == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert get(f"{base}/no-such-page/") == 404
        assert get(f"{base}/static/css/app.css") == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    lines = output.splitlines()
    assert lines[0] == f"Refund portal at http://127.0.0.1:{port}/  (API docs: {base}/api/docs/)"
    requests = [line for line in lines if "refundportal.request" in line]
    assert [line.split("] ", 1)[1].rsplit(" ", 1)[0] for line in requests] == [
        "GET /healthz 200",
        "GET /no-such-page/ 404",
        "GET /static/css/app.css 200",
    ]
    assert lines[1:] == requests, "\n".join(lines)
