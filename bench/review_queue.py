"""How fast the review queue page renders with many pending requests.

    python bench/review_queue.py --pending 10000 [--renders R]

Makes its own scratch database (on DATABASE_URL's server when it is set, as
``refundportal_bench_review_queue``, dropped afterwards; else a temporary SQLite
file), migrates it, fills N pending requests in bulk, then renders /review/
(page 1) R times (N by default) with Django's test client, logged in as an
agent. Prints the server time per render (median and p95) and the number of
queries one render runs; the last line is

    queue pending=<N> median_ms=<n> p95_ms=<n> queries=<n>
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

from bench.scratch import postgres_database  # noqa: E402

BENCH_DB = "refundportal_bench_review_queue"
BATCH = 2000


@contextmanager
def scratch_database() -> Iterator[str]:
    """Point the settings at a fresh database for the run; drop it after."""
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url:
        with tempfile.TemporaryDirectory(prefix="bench-queue-") as folder:
            os.environ["SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
            yield f"sqlite ({os.environ['SQLITE_PATH']})"
        return

    with postgres_database(server_url, BENCH_DB) as server:
        yield f"postgresql ({BENCH_DB} on {server['HOST'] or '127.0.0.1'})"


def fill(pending: int) -> Any:
    """N pending requests on N orders (one dish each, one refund line each),
    written with bulk_create; returns the agent who reads the queue."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from tqdm import tqdm

    from accounts import roles
    from orders.models import Merchant, Order, OrderItem, Tender
    from refunds.models import Reason, RefundItem, RefundRequest, RiskLevel
    from refunds.states import RefundStatus

    users = get_user_model()
    now = timezone.now()
    agent = users.objects.create_user("bench_agent", password="bench-password")
    agent.groups.add(Group.objects.get_or_create(name=roles.AGENT)[0])
    colleague = users.objects.create_user("bench_colleague", password="bench-password")
    colleague.groups.add(Group.objects.get_or_create(name=roles.AGENT)[0])
    merchants = Merchant.objects.bulk_create(
        Merchant(code=f"BM{i:03d}", name=f"基准测试餐厅 {i:03d}") for i in range(50)
    )
    customer_count = max(1, pending // 5)
    customers = users.objects.bulk_create(
        users(username=f"bench_customer_{i:06d}", date_joined=now - timedelta(days=90))
        for i in range(customer_count)
    )
    reasons = [Reason.FOOD_QUALITY, Reason.MISSING_ITEMS, Reason.OTHER, Reason.NOT_DELIVERED]
    levels = [RiskLevel.LOW, RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH]
    price = Decimal("32.00")

    with tqdm(total=pending, desc="pending requests", unit="req") as progress:
        for start in range(0, pending, BATCH):
            numbers = range(start, min(start + BATCH, pending))
            orders = Order.objects.bulk_create(
                Order(
                    number=f"BENCH-{i:07d}",
                    customer=customers[i % customer_count],
                    merchant=merchants[i % len(merchants)],
                    status="delivered",
                    placed_at=now - timedelta(hours=3),
                    promised_at=now - timedelta(hours=2),
                    delivered_at=now - timedelta(minutes=115),
                    items_total=price,
                    paid_total=price,
                    payload_digest=f"{i:064d}",
                )
                for i in numbers
            )
            items = OrderItem.objects.bulk_create(
                OrderItem(
                    order=order,
                    position=1,
                    sku="SKU-1",
                    name="宫保鸡丁",
                    unit_price=price,
                    quantity=1,
                )
                for order in orders
            )
            Tender.objects.bulk_create(
                Tender(order=order, position=1, method="alipay", amount=price, account="alipay:1")
                for order in orders
            )
            requests = RefundRequest.objects.bulk_create(
                RefundRequest(
                    order=order,
                    customer=order.customer,
                    reason=reasons[i % len(reasons)],
                    status=RefundStatus.PENDING_REVIEW,
                    requested_amount=price,
                    risk_level=levels[i % len(levels)],
                    risk_score=(0, 0, 20, 45)[i % len(levels)],
                    # One in ten escalated (for senior agents only), one in
                    # four held by a colleague.
                    escalated=i % 10 == 0,
                    assignee=colleague if i % 4 == 0 else None,
                    claim_expires_at=now + timedelta(minutes=10) if i % 4 == 0 else None,
                    review_due_at=now + timedelta(minutes=(i * 7) % 1440),
                    created_at=now - timedelta(hours=1),
                    updated_at=now,
                )
                for i, order in zip(numbers, orders, strict=True)
            )
            RefundItem.objects.bulk_create(
                RefundItem(
                    request=request,
                    line=str(item.pk),
                    item=item,
                    name=item.name,
                    quantity=1,
                    gross=price,
                    discount_share=Decimal("0.00"),
                    amount=price,
                )
                for request, item in zip(requests, items, strict=True)
            )
            progress.update(len(numbers))
    return agent


def render(agent: Any, renders: int) -> tuple[list[float], int, int]:
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.test import Client
    from tqdm import tqdm

    # Keep one connection open across renders, as a server with persistent
    # connections does (and so that the query log survives a render).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    client = Client()
    client.force_login(agent)
    first = client.get("/review/")
    assert first.status_code == 200, first.status_code
    rows = first.content.decode().count("<tr data-request-id=")
    # Django clears the query log when a request starts: what it holds after
    # one render is that render's queries.
    connection.force_debug_cursor = True
    client.get("/review/")
    queries = len(connection.queries)
    connection.force_debug_cursor = False
    times = []
    for _ in tqdm(range(renders), desc="renders", unit="page"):
        started = time.perf_counter()
        response = client.get("/review/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times, queries, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pending", type=int, default=10000, help="pending requests to fill")
    parser.add_argument("--renders", type=int, default=None, help="renders (default: --pending)")
    args = parser.parse_args()
    renders = args.renders or args.pending

    os.environ["DJANGO_SETTINGS_MODULE"] = "refundportal.settings.local"
    with scratch_database() as where:
        import django
        from django.core.management import call_command

        django.setup()
        print(f"database: {where}")
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrated in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        agent = fill(args.pending)
        print(f"filled {args.pending} pending requests in {time.perf_counter() - started:.1f} s")
        from django.db import connection

        with connection.cursor() as cursor:
            # Planner statistics, as a database that has lived with its rows has.
            cursor.execute("ANALYZE")
        times, queries, rows = render(agent, renders)

    times.sort()
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"renders: {len(times)}, rows on page 1: {rows}, max {times[-1]:.1f} ms")
    print(f"queue pending={args.pending} median_ms={median:.1f} p95_ms={p95:.1f} queries={queries}")


if __name__ == "__main__":
    main()
