"""What the refund tests share: the API calls they make, customers of a
chosen age, orders placed at chosen times relative to the clock, and calls
released together in threads for the races."""

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from rest_framework.test import APIClient

from accounts import roles
from refundportal import clock
from tests.factories import RefundBodyFactory, UserFactory, create_order_at, photo_upload

REFUNDS = "/api/v1/refunds/"
PREVIEW = "/api/v1/refunds/preview/"
EVIDENCE = "/api/v1/evidence/"


def old_customer(days: int = 30, **kwargs: Any) -> Any:
    """A customer who joined ``days`` ago: no ``new_account`` flag."""
    return UserFactory(
        role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=days), **kwargs
    )


def refund_body(order: Any, **fields: Any) -> dict[str, Any]:
    body = RefundBodyFactory(order=order.number, **fields)
    return {key: value for key, value in body.items() if value is not None}


def file_refund(client: APIClient, order: Any, **fields: Any) -> Any:
    """``POST /refunds/`` on ``order``."""
    return client.post(REFUNDS, refund_body(order, **fields), format="json")


def preview_refund(client: APIClient, order: Any, **fields: Any) -> Any:
    """``POST /refunds/preview/`` on ``order``."""
    return client.post(PREVIEW, refund_body(order, **fields), format="json")


def upload(client: APIClient, seed: int = 0, **kwargs: Any) -> Any:
    """``POST /evidence/`` with a photo (see ``photo_upload``)."""
    return client.post(EVIDENCE, {"file": photo_upload(seed, **kwargs)}, format="multipart")


def upload_id(client: APIClient, seed: int = 0, **kwargs: Any) -> int:
    response = upload(client, seed, **kwargs)
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def refund_url(refund_id: int, action: str = "") -> str:
    return f"{REFUNDS}{refund_id}/{action + '/' if action else ''}"


def english(client: APIClient) -> APIClient:
    """Ask for English answers (the portal speaks Chinese by default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def delivered_order(
    customer: Any,
    now: datetime,
    *,
    late: timedelta = timedelta(0),
    ago: timedelta = timedelta(hours=1),
    **overrides: Any,
) -> Any:
    """An order delivered ``ago`` before ``now``, ``late`` after its promised time."""
    delivered_at = now - ago
    return create_order_at(
        customer=customer,
        status="delivered",
        promised_at=delivered_at - late,
        delivered_at=delivered_at,
        **overrides,
    )


def underway_order(
    customer: Any,
    now: datetime,
    *,
    status: str = "picked_up",
    promised_ago: timedelta = timedelta(minutes=10),
    **overrides: Any,
) -> Any:
    """An order not delivered (yet), promised ``promised_ago`` before ``now``."""
    return create_order_at(
        customer=customer, status=status, promised_at=now - promised_ago, **overrides
    )


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in threads released together; each thread has its own
    database connection, closed when it is done."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except BaseException as exc:  # reported by the test, not lost in the thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
