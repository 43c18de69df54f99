"""Redis down does not take the portal down: log-in, the token endpoint and
the API answer as usual, throttles and the log-in limit count in each
process, and the outage is logged once, not once per request."""

import logging
import shutil
import socket
import subprocess
import time
from typing import Any

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from refundportal import cache as resilient
from tests.conftest import client_as
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def on_cache(settings: Any, url: str) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "refundportal.cache.ResilientRedisCache", "LOCATION": url}
    }


@pytest.fixture
def dead_cache(settings: Any) -> None:
    on_cache(settings, DEAD)


def token_for(username: str, password: str = PASSWORD) -> Any:
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_log_in_the_token_and_the_api_answer_with_redis_down(dead_cache):
    customer = UserFactory(role="customer")

    token = token_for(customer.username)
    assert token.status_code == 200, token.content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/v1/refunds/").status_code == 200
    assert client_as(customer).get("/api/v1/orders/").status_code == 200
    page = Client().post("/accounts/login/", {"username": customer.username, "password": PASSWORD})
    assert page.status_code == 302


def test_the_log_in_limit_still_counts_with_redis_down(dead_cache):
    customer = UserFactory(role="customer")

    answers = [token_for(customer.username, "wrong").status_code for _ in range(11)]

    assert answers[:10] == [400] * 10
    assert answers[10] == 429
    assert token_for(customer.username).status_code == 429  # even the right password


def test_the_outage_is_logged_once_and_redis_is_left_alone_for_a_while(dead_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="refundportal.cache"):
        for _ in range(20):
            cache.set("k", 1)
            assert cache.get("k") == 1  # from this process's memory
    warnings = [r for r in caplog.records if r.name == "refundportal.cache"]
    assert len(warnings) == 1
    assert "cache unreachable" in warnings[0].getMessage()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(port: int) -> subprocess.Popen[bytes]:
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process
        except redis.RedisError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)


@pytest.mark.worker
def test_a_redis_stopped_and_started_again(settings, monkeypatch):
    """With the portal's cache on a Redis of its own: stopped, the portal
    answers from each process's memory; started again, Redis counts again."""
    # Redis is asked again at once after a failure, not after a pause.
    monkeypatch.setattr(resilient, "RETRY_SECONDS", 0.0)
    port = free_port()
    process = start_redis(port)
    try:
        on_cache(settings, f"redis://127.0.0.1:{port}/0")
        customer = UserFactory(role="customer")
        assert token_for(customer.username, "wrong").status_code == 400
        assert redis.Redis(port=port).dbsize() >= 1  # the failure was counted there

        process.terminate()
        process.wait(10)
        assert token_for(customer.username).status_code == 200
        assert client_as(customer).get("/api/v1/refunds/").status_code == 200

        process = start_redis(port)
        assert token_for(customer.username, "wrong").status_code == 400
        assert redis.Redis(port=port).dbsize() >= 1  # back on Redis
    finally:
        process.kill()
        process.wait(10)
