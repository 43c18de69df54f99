"""GET /healthz: 200 while the database answers, 503 when it does not; the
cache's and the broker's states are reported each on its own, and either
dead degrades without failing."""

from typing import Any
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.db import OperationalError

pytestmark = pytest.mark.django_db

URL = "/healthz"
# On the embedded default tasks run in-process; with REDIS_URL the broker is pinged.
BROKER = "ok" if settings.REDIS_URL else "in-process"
CACHE = "ok" if settings.REDIS_URL else "in-process"


def database_down() -> Any:
    return mock.patch(
        "refundportal.views.connection.cursor",
        side_effect=OperationalError("could not connect to server: Connection refused"),
    )


def broker_answering(ping: Any) -> Any:
    client = mock.Mock()
    client.ping.side_effect = ping
    return mock.patch.object(redis.Redis, "from_url", return_value=client)


def on_redis(settings: Any, url: str) -> None:
    """Point the health check's cache and broker at ``url`` (the check reads
    the settings; the portal's own cache connection is not touched)."""
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}


def test_a_dead_cache_alone_is_named(client, settings):
    on_redis(settings, "redis://broker.invalid:6379/0")
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    }

    def ping_by_url(url: str, **options: Any) -> Any:
        client = mock.Mock()
        client.ping.side_effect = redis.ConnectionError("refused") if ":1/" in url else None
        return client

    with mock.patch.object(redis.Redis, "from_url", side_effect=ping_by_url):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "down",
        "broker": "ok",
    }


def test_healthy(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": CACHE, "broker": BROKER}


def test_needs_no_login(api):
    assert api.get(URL).status_code == 200


def test_a_dead_database_answers_503(client):
    with database_down():
        response = client.get(URL)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "status": "down",
        "database": "down",
        "cache": CACHE,
        "broker": BROKER,
    }


def test_a_database_that_fails_the_query_answers_503(client):
    cursor = mock.MagicMock()
    cursor.__enter__.return_value.execute.side_effect = OperationalError("server closed")
    with mock.patch("refundportal.views.connection.cursor", return_value=cursor):
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_the_database_answering_again_is_healthy_again(client):
    with database_down():
        assert client.get(URL).status_code == 503
    assert client.get(URL).status_code == 200


def test_a_live_broker_is_reported_ok(client, settings):
    on_redis(settings, "redis://broker.invalid:6379/0")
    with broker_answering(ping=lambda: True):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


def test_a_dead_broker_degrades_but_does_not_fail(client, settings):
    on_redis(settings, "redis://broker.invalid:6379/0")
    with broker_answering(ping=redis.ConnectionError("Connection refused")):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "down",
        "broker": "down",
    }


def test_an_unreachable_broker_is_reported_down(client, settings):
    on_redis(settings, "redis://127.0.0.1:1/0")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["broker"] == "down"
    assert response.json()["cache"] == "down"
    assert response.json()["status"] == "degraded"


def test_both_down_is_down(client, settings):
    on_redis(settings, "redis://broker.invalid:6379/0")
    with database_down(), broker_answering(ping=redis.TimeoutError("timed out")):
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {
        "status": "down",
        "database": "down",
        "cache": "down",
        "broker": "down",
    }
