"""How fast the monthly KPIs answer on a large history.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres \\
        python bench/kpi.py --orders 1000000

Makes its own scratch database on DATABASE_URL's server
(``refundportal_bench_kpi``, dropped afterwards), migrates it and fills it
with COPY: N orders spread evenly over the last 13 months at 200 merchants,
about 6 % of them with a refund request (granted, rejected, cancelled or
pending; staff- or auto-decided), the payouts of the granted ones and a
rating on some. Then it times, each as the median of several runs after a
warm-up:

- the live KPIs of the current month (``kpis_for_month``, every figure of
  GET /api/v1/analytics/monthly/);
- the same computation on the last closed month (a full month), for scale;
- a raw SQL GROUP BY over the current month's rows (orders per merchant
  with their granted requests), the floor any computation of those figures
  has to pay;
- reading a closed month after the ``kpi_rollup`` job wrote it.

The last line is

    kpi live_ms=<n> raw_ms=<n> ratio=<live/raw> rollup_ms=<n>
"""

import argparse
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

# bench/ holds a queue.py that would shadow the standard library's: put the
# project folder in its place on the import path.
ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from bench.scratch import postgres_database  # noqa: E402

BENCH_DB = "refundportal_bench_kpi"
MERCHANTS = 200
REQUEST_SHARE = 0.06
CHUNK = 50_000
RUNS = 15


@contextmanager
def scratch_database(*, keep: bool = False) -> Iterator[str]:
    """Point the settings at a fresh PostgreSQL database; drop it after."""
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/kpi.py needs DATABASE_URL=postgres://... (a PostgreSQL server)")

    with postgres_database(server_url, BENCH_DB, keep=keep) as server:
        yield f"{BENCH_DB} on {server['HOST'] or '127.0.0.1'}"


def setup_django() -> None:
    # The base settings: DEBUG off, so that Django keeps no query log.
    os.environ["DJANGO_SETTINGS_MODULE"] = "refundportal.settings.base"
    import django

    django.setup()


def copy_rows(table: str, columns: list[str], rows: Iterator[tuple[Any, ...]], bar: Any) -> int:
    """COPY ``rows`` into ``table`` in chunks; ``None`` is NULL."""
    from django.db import connection

    count = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    buffer = io.StringIO()
    pending = 0

    def flush() -> None:
        nonlocal buffer, pending
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(statement, buffer)
        bar.update(pending)
        buffer = io.StringIO()
        pending = 0

    for row in rows:
        buffer.write("\t".join(r"\N" if v is None else str(v) for v in row))
        buffer.write("\n")
        pending += 1
        count += 1
        if pending >= CHUNK:
            flush()
    if pending:
        flush()
    return count


def iso(moment: datetime) -> str:
    return moment.isoformat()


def seed(orders: int, now: datetime) -> dict[str, int]:
    """N orders over the 13 months before ``now``, and what hangs off them."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from tqdm import tqdm

    from demo.refunds import REASONS_MOST_FILED_FIRST
    from orders.models import Merchant

    rng = random.Random(20261124)
    customer = get_user_model().objects.create_user("bench-customer", password="-")
    Merchant.objects.bulk_create(
        Merchant(code=f"B{index:04d}", name=f"商户{index:04d}") for index in range(MERCHANTS)
    )
    merchant_ids = list(Merchant.objects.order_by("id").values_list("id", flat=True))
    span = timedelta(days=395)
    start = now - span
    step = span / orders

    # The most often filed first: an exponential draw picks the index.
    reasons = REASONS_MOST_FILED_FIRST
    requests: list[tuple[Any, ...]] = []
    tenders: list[tuple[Any, ...]] = []
    payouts: list[tuple[Any, ...]] = []
    feedback: list[tuple[Any, ...]] = []

    def order_rows() -> Iterator[tuple[Any, ...]]:
        for index in range(orders):
            order_id = index + 1
            placed = start + step * index
            # A few merchants refund far more often than the rest.
            merchant = merchant_ids[rng.randrange(MERCHANTS)]
            share = REQUEST_SHARE * (4 if merchant % 37 == 0 else 0.9)
            if rng.random() < share:
                plan_request(order_id, placed)
            yield (
                order_id,
                f"B{order_id:09d}",
                customer.pk,
                merchant,
                "delivered",
                iso(placed),
                iso(placed + timedelta(minutes=40)),
                iso(placed + timedelta(minutes=38)),
                "36.00",
                "4.00",
                "1.00",
                "5.00",
                "36.00",
                "-",
                iso(placed),
            )

    def plan_request(order_id: int, placed: datetime) -> None:
        request_id = len(requests) + 1
        created = placed + timedelta(minutes=rng.randint(45, 180))
        roll = rng.random()
        staff = rng.random() < 0.4
        decided = (
            created + timedelta(hours=rng.choice([0.5, 2, 6, 18, 23, 30])) if staff else created
        )
        if decided > now:
            status, staff, decided = "pending_review", False, created
        elif roll < 0.06:
            status = "cancelled"
        elif roll < 0.22:
            status = "rejected"
        else:
            status = "granted"
        approved = None
        paid_at = None
        if status == "granted":
            approved = rng.choice(["7.20", "18.00", "36.00", "12.50"])
            paid_at = decided + timedelta(minutes=rng.randint(1, 60 * rng.choice([1, 4, 30])))
            status = "refunded" if paid_at < now else "approved"
            if status == "refunded" and rng.random() < 0.02:
                status, paid_at = "payout_failed", None
        requests.append(
            (
                request_id,
                order_id,
                customer.pk,
                reasons[min(int(rng.expovariate(0.5)), len(reasons) - 1)],
                "",
                status,
                "t",
                "36.00",
                approved,
                "agent" if staff else "auto",
                "",
                "",
                "{}",
                iso(decided),
                0,
                "low",
                "[]",
                "{}",
                iso(created + timedelta(hours=24)),
                "f",
                "f",
                "f",
                iso(created),
                iso(decided),
            )
        )
        if approved is not None:
            tender_id = len(tenders) + 1
            tenders.append((tender_id, order_id, 0, "alipay", "36.00", "alipay:bench"))
            payouts.append(
                (
                    len(payouts) + 1,
                    request_id,
                    tender_id,
                    "alipay",
                    "alipay:bench",
                    approved,
                    {"refunded": "succeeded", "payout_failed": "failed"}.get(status, "pending"),
                    f"bench-{request_id}",
                    1,
                    1,
                    "",
                    "f",
                    "f",
                    iso(paid_at) if status == "refunded" and paid_at else None,
                    iso(decided),
                    iso(paid_at or decided),
                )
            )
        if status in ("refunded", "rejected") and rng.random() < 0.35:
            given = (paid_at or decided) + timedelta(hours=rng.randint(1, 30))
            if given < now:
                rating = rng.choice([5, 5, 5, 4, 4, 3, 2, 1])
                feedback.append((len(feedback) + 1, request_id, rating, "", iso(given)))

    with tqdm(total=orders, desc="orders", unit="row", file=sys.stderr) as bar:
        copy_rows(
            "orders_order",
            [
                "id",
                "number",
                "customer_id",
                "merchant_id",
                "status",
                "placed_at",
                "promised_at",
                "delivered_at",
                "items_total",
                "delivery_fee",
                "packaging_fee",
                "discount_total",
                "paid_total",
                "payload_digest",
                "created_at",
            ],
            order_rows(),
            bar,
        )
    tables = [
        (
            "refunds_refundrequest",
            "requests",
            [
                "id",
                "order_id",
                "customer_id",
                "reason",
                "description",
                "status",
                "whole_order",
                "requested_amount",
                "approved_amount",
                "decision_source",
                "decision_rule",
                "decision_note",
                "decision_facts",
                "decided_at",
                "risk_score",
                "risk_level",
                "risk_flags",
                "risk_reasons",
                "review_due_at",
                "escalated",
                "breached",
                "payout_delay_alerted",
                "created_at",
                "updated_at",
            ],
            requests,
        ),
        (
            "orders_tender",
            "tenders",
            ["id", "order_id", "position", "method", "amount", "account"],
            tenders,
        ),
        (
            "payouts_payout",
            "payouts",
            [
                "id",
                "refund_id",
                "tender_id",
                "method",
                "account",
                "amount",
                "status",
                "idempotency_key",
                "attempts",
                "round_attempts",
                "last_error",
                "declined",
                "closed",
                "succeeded_at",
                "created_at",
                "updated_at",
            ],
            payouts,
        ),
        (
            "refunds_feedback",
            "feedback",
            ["id", "request_id", "rating", "comment", "created_at"],
            feedback,
        ),
    ]
    for table, label, columns, rows in tables:
        with tqdm(total=len(rows), desc=label, unit="row", file=sys.stderr) as bar:
            copy_rows(table, columns, iter(rows), bar)
    with connection.cursor() as cursor:
        for table in (
            "orders_order",
            "refunds_refundrequest",
            "orders_tender",
            "payouts_payout",
            "refunds_feedback",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        cursor.execute("VACUUM ANALYZE")
    return {
        "orders": orders,
        "requests": len(requests),
        "payouts": len(payouts),
        "feedback": len(feedback),
    }


def timed(*works: Callable[[], object], runs: int = RUNS) -> list[tuple[float, object]]:
    """Median milliseconds of ``runs`` runs of each work after one warm-up,
    and its last result. Several works run in turns, so that a noisy
    neighbour slows them alike."""
    results = [work() for work in works]
    samples: list[list[float]] = [[] for _ in works]
    for _ in range(runs):
        for index, work in enumerate(works):
            started = time.perf_counter()
            results[index] = work()
            samples[index].append((time.perf_counter() - started) * 1000)
    return [(statistics.median(s), r) for s, r in zip(samples, results, strict=True)]


RAW_SQL = """
SELECT o.merchant_id,
       COUNT(*) AS orders,
       COUNT(DISTINCT r.order_id) AS refunded_orders,
       COALESCE(SUM(r.approved_amount), 0) AS refund_amount
FROM orders_order o
LEFT JOIN refunds_refundrequest r
  ON r.order_id = o.id AND r.status IN ('approved', 'refunded', 'payout_failed')
WHERE o.placed_at >= %s AND o.placed_at < %s
GROUP BY o.merchant_id
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    with scratch_database(keep=args.keep) as where:
        setup_django()
        from django.core.management import call_command
        from django.db import connection

        from analytics.months import Month
        from analytics.services import kpi_rollup, kpis_compute, kpis_for_month
        from refundportal import clock

        print(f"database: {where}")
        call_command("migrate", verbosity=0)
        now = clock.now()
        started = time.perf_counter()
        counts = seed(args.orders, now)
        print(
            f"seeded {counts['orders']:,} orders, {counts['requests']:,} requests, "
            f"{counts['payouts']:,} payouts, {counts['feedback']:,} ratings "
            f"in {time.perf_counter() - started:.1f} s"
        )

        current = Month.of(now)
        previous = current.previous()

        def live_month() -> Any:
            return kpis_for_month(current, now=now)

        def raw() -> list[Any]:
            with connection.cursor() as cursor:
                cursor.execute(RAW_SQL, [current.start, current.end])
                return cursor.fetchall()

        (live_ms, live), (raw_ms, rows) = timed(live_month, raw)
        print(
            f"live {current}: {live_ms:.1f} ms "
            f"({live.orders:,} orders, {live.refund_requests:,} requests, "
            f"refund rate {live.refund_rate})"
        )
        print(f"raw SQL GROUP BY {current}: {raw_ms:.1f} ms ({len(rows)} merchants)")
        ((closed_ms, closed),) = timed(lambda: kpis_compute(previous), runs=5)
        print(
            f"live {previous} (a full month, not rolled up): {closed_ms:.1f} ms "
            f"({closed.orders:,} orders)"
        )

        started = time.perf_counter()
        written = kpi_rollup(now)
        print(
            f"kpi_rollup: {written} in {(time.perf_counter() - started):.1f} s; "
            f"again: {kpi_rollup(now)}"
        )
        ((rollup_ms, rolled),) = timed(lambda: kpis_for_month(previous, now=now))
        assert rolled.is_rolled_up
        assert rolled.as_dict() == closed.as_dict()
        print(f"rolled-up {previous}: {rollup_ms:.2f} ms (equal to the live figures)")

        ratio = live_ms / raw_ms if raw_ms else float("inf")
        print(
            f"kpi live_ms={live_ms:.1f} raw_ms={raw_ms:.1f} ratio={ratio:.2f} "
            f"rollup_ms={rollup_ms:.2f}"
        )


if __name__ == "__main__":
    main()
