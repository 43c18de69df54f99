"""The containers' health checks: the image's probe of /healthz (no curl in
the image) and beat's heartbeat, read by ``manage.py beat_health``."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery import signals
from django.core.management import call_command
from django.core.management.base import CommandError

from refundportal import heartbeat, probe
from tests.conftest import BASE_DIR


@pytest.fixture
def portal() -> Iterator[dict]:
    """A stand-in portal: answers /healthz with ``state["status"]`` and
    records the Host header it was asked with."""
    state: dict = {"status": 200, "hosts": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state["hosts"].append(self.headers["Host"])
            body = b'{"status": "ok"}' if self.path == "/healthz" else b"no"
            self.send_response(state["status"] if self.path == "/healthz" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["port"] = server.server_address[1]
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def run_probe(port: int, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"PROBE_URL", "PORT"}}
    environment.update({"PORT": str(port), **env})
    return subprocess.run(
        [sys.executable, "-m", "refundportal.probe"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_probe_passes_when_healthz_answers_200(portal):
    done = run_probe(portal["port"], DJANGO_ALLOWED_HOSTS="refunds.example.com,localhost")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "answered 200" in done.stdout
    # The portal's own name, so that ALLOWED_HOSTS lets the probe in.
    assert portal["hosts"] == ["refunds.example.com"]


def test_the_probe_fails_when_the_database_is_down(portal):
    portal["status"] = 503
    done = run_probe(portal["port"])
    assert done.returncode == 1
    assert "answered 503" in done.stdout


def test_the_probe_fails_when_nothing_listens(portal):
    port = portal["port"]
    ok, line = probe.probe(f"http://127.0.0.1:{port}/missing")
    assert not ok and "404" in line
    ok, line = probe.probe("http://127.0.0.1:9/healthz", timeout=1)
    assert not ok and "did not answer" in line


def test_a_leading_dot_or_a_wildcard_is_not_sent_as_the_host(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "*, .example.com")
    assert probe.host_header() == "example.com"
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "")
    assert probe.host_header() is None


@pytest.fixture
def heartbeat_file(tmp_path, settings, monkeypatch):
    settings.BEAT_HEARTBEAT_FILE = str(tmp_path / "beat" / "heartbeat")
    monkeypatch.setitem(heartbeat._state, "in_beat", False)
    return tmp_path / "beat" / "heartbeat"


def test_beat_is_unhealthy_before_it_ever_sent_a_task(heartbeat_file):
    with pytest.raises(CommandError, match="not sent a task yet"):
        call_command("beat_health")


def test_beat_touches_its_heartbeat_when_it_starts_and_each_time_it_sends_a_task(
    heartbeat_file, capsys
):
    # A worker or the web publishing a task does not count.
    signals.after_task_publish.send(sender="refunds.tasks.sla_sweep_task", headers={}, body=())
    assert not heartbeat_file.exists()

    signals.beat_init.send(sender=None)
    assert heartbeat_file.exists()
    old = time.time() - 600
    os.utime(heartbeat_file, (old, old))
    with pytest.raises(CommandError, match=r"600 s ago \(more than 180 s\)"):
        call_command("beat_health")

    signals.after_task_publish.send(sender="refunds.tasks.sla_sweep_task", headers={}, body=())
    call_command("beat_health")
    assert "beat: last sent a task 0 s ago" in capsys.readouterr().out


def test_the_allowed_age_is_an_option(heartbeat_file):
    heartbeat.touch()
    old = time.time() - 100
    os.utime(heartbeat_file, (old, old))
    call_command("beat_health")
    with pytest.raises(CommandError):
        call_command("beat_health", "--max-age", "60")


def test_beat_health_exits_1_for_the_container(heartbeat_file):
    done = subprocess.run(
        [sys.executable, "manage.py", "beat_health"],
        cwd=BASE_DIR,
        env={**os.environ, "BEAT_HEARTBEAT_FILE": str(heartbeat_file)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "beat has not sent a task yet" in done.stderr
