"""The API's throttles: past its rate a client gets 429 ``throttled`` in the
error envelope, with ``retry_after`` and the Retry-After header."""

from typing import Any

import pytest
from rest_framework.throttling import SimpleRateThrottle

from tests.conftest import client_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(monkeypatch: Any) -> None:
    rates = {"anon": "3/min", "user": "3/min", "uploads": "3/min", "filing": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def test_a_user_past_the_rate_gets_the_envelope_with_retry_after(low_rates):
    client = client_as(UserFactory(role="customer"))

    answers = [client.get("/api/v1/refunds/") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    body = answers[-1].json()
    assert body["code"] == "throttled"
    assert body["detail"]
    assert 0 < int(body["retry_after"]) <= 60
    assert int(answers[-1]["Retry-After"]) == int(body["retry_after"])


def test_one_user_throttled_leaves_another_alone(low_rates):
    first = client_as(UserFactory(role="customer"))
    other = client_as(UserFactory(role="customer"))
    for _ in range(4):
        first.get("/api/v1/refunds/")

    assert other.get("/api/v1/refunds/").status_code == 200
