"""How many refund filings a second the portal takes, next to a bare endpoint.

    .venv/bin/python bench/load.py [--seconds 30] [--concurrency 16]
        [--payouts deferred|inline] [--orders N] [--profile N]

Makes its own scratch database ``refundportal_bench_load`` on the server of
``DATABASE_URL`` (default postgres://postgres:postgres@127.0.0.1:5432/postgres),
migrates it, and fills it in bulk with customers (joined 90 days ago, so that
risk stays low: at most 3 orders each) holding one order per filing request.
Then it starts its own gunicorn (``refundportal.wsgi:application``, sync
workers, 2 x cores, DEBUG off, throttles raised through THROTTLE_USER and
THROTTLE_FILING) on a free port of 127.0.0.1 and drives it from this machine
only, at ``--concurrency`` threads (spread over two client processes so that
the client's GIL is not the ceiling), for ``--seconds`` each:

- bare: ``GET /api/v1/refunds/?order=<number>`` with a customer's token. The
  same middleware, token authentication, role lookup, throttles and JSON
  renderer as filing, and one indexed read (the empty page's count): what
  the framework costs before any filing work, so the ratio isolates that.
- healthz: ``GET /healthz`` (one ``SELECT 1``, no DRF), shown for reference.
- filing: ``POST /api/v1/refunds/``, each request on its own order, with
  auto-review: 40 % ``not_delivered`` on a cancelled order (R5, approved,
  payout created), 30 % ``late_delivery`` 45 min late (R9, 50 % approved,
  payout created), 30 % ``other`` on a delivered order (R15, pending review).

``--payouts deferred`` (the default) measures filing as production runs it:
the approval commits its payouts and hands the first attempt to the broker
(here Celery's in-memory transport, nothing consumes it), and a Celery
worker pays. ``--payouts inline`` keeps the embedded default (no REDIS_URL),
where the gateway attempt runs inside the request after the commit.

``--profile N`` skips the load and instead files N requests in-process under
pyinstrument (Django's test client), printing the profile and the queries
one filing runs. Every run drops the scratch database and stops its gunicorn.
The last line is

    load bare_rps=<n> filing_rps=<n> ratio=<filing/bare> filing_p95_ms=<n> bare_p95_ms=<n>

The targets: ratio at least 0.45, and filing p95 within 2.5 times the bare
endpoint's p95 in the same run (absolute times move with the machine).
"""

import os
import sys
from pathlib import Path

# Run as a script, its folder comes first on the path: the project's packages
# are imported from the folder above instead.
ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

from bench.scratch import postgres_database  # noqa: E402

BENCH_DB = "refundportal_bench_load"
DEFAULT_URL = "postgres://postgres:postgres@127.0.0.1:5432/postgres"
ORDERS_PER_CUSTOMER = 3  # a 4th request in 30 days would flag frequent_refunder
ORDERS_PER_SECOND = 500  # orders made per second of filing: above what 2 cores file
CLIENT_PROCESSES = 2
BATCH = 2000
# Raised so that one customer's throttle never answers 429 in a benchmark.
THROTTLES = {"THROTTLE_USER": "100000000/min", "THROTTLE_FILING": "100000000/min"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Scratch database and settings ---------------------------------------------


@contextmanager
def scratch_database() -> Iterator[str]:
    """Point DATABASE_URL at a fresh PostgreSQL database; drop it after."""
    server_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not server_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/load.py needs a PostgreSQL DATABASE_URL (postgres://...)")

    with postgres_database(server_url, BENCH_DB) as server:
        yield f"{BENCH_DB} on {server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}"
    log(f"dropped database {BENCH_DB}")


def write_settings(folder: Path, payouts: str) -> str:
    """A settings module on top of ``base`` (DEBUG off): the embedded
    default's in-process tasks, or, for ``deferred``, tasks published to
    Celery's in-memory broker as production publishes them to Redis. It
    serves no page, so static files need no collectstatic manifest."""
    lines = ["from refundportal.settings.base import *  # noqa: F403", "", "DEBUG = False"]
    lines += [
        "STORAGES = {**STORAGES, 'staticfiles': {'BACKEND': "
        "'django.contrib.staticfiles.storage.StaticFilesStorage'}}  # noqa: F405",
    ]
    if payouts == "deferred":
        lines += ["CELERY_TASK_ALWAYS_EAGER = False", "CELERY_BROKER_URL = 'memory://localhost/'"]
    (folder / "bench_load_settings.py").write_text("\n".join(lines) + "\n")
    return "bench_load_settings"


# --- Data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    method: str
    path: str
    body: bytes
    token: str
    expect: int


MIX = (
    # (share of ten, order status, minutes late when delivered, reason)
    (4, "cancelled", None, "not_delivered"),  # R5: approved in full, payout
    (3, "delivered", 45, "late_delivery"),  # R9: 50 % approved, payout
    (3, "delivered", 0, "other"),  # R15: pending review
)


def seed(orders: int) -> tuple[list[Job], list[Job]]:
    """Customers, tokens and orders in bulk; the filing jobs (one per
    order) and the bare jobs (one per customer)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction
    from tqdm import tqdm

    from accounts import roles
    from accounts.models import ApiToken
    from accounts.tokens import key_hash
    from orders.models import Discount, Merchant, Order, OrderItem, Tender
    from refundportal import clock
    from refunds.models import RefundPolicy

    User = get_user_model()
    now = clock.now()
    customers = -(-orders // ORDERS_PER_CUSTOMER)
    RefundPolicy.current()
    group = Group.objects.get_or_create(name=roles.CUSTOMER)[0]
    merchant = Merchant.objects.create(code="B001", name="压测餐厅")
    pattern = [spec for spec in MIX for _ in range(spec[0])]
    bar = tqdm(total=customers + orders, unit="row", desc="seeding", file=sys.stderr)
    tokens: list[str] = []
    with transaction.atomic():
        for start in range(0, customers, BATCH):
            users = User.objects.bulk_create(
                User(
                    username=f"bench{n:06d}",
                    password="!",  # unusable: the API is reached with tokens
                    date_joined=now - timedelta(days=90),
                )
                for n in range(start, min(start + BATCH, customers))
            )
            User.groups.through.objects.bulk_create(
                User.groups.through(user_id=u.pk, group_id=group.pk) for u in users
            )
            keys = [secrets.token_urlsafe(32) for _ in users]
            ApiToken.objects.bulk_create(
                ApiToken(
                    key_hash=key_hash(k),
                    user=u,
                    created_at=now,
                    last_used_at=now,
                    auth_hash=u.get_session_auth_hash(),
                )
                for k, u in zip(keys, users, strict=True)
            )
            tokens += keys
            bar.update(len(users))
        user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
        filing: list[Job] = []
        for start in range(0, orders, BATCH):
            numbers = range(start, min(start + BATCH, orders))
            rows = []
            for n in numbers:
                _share, status, late, _reason = pattern[n % len(pattern)]
                promised = now - timedelta(minutes=20 if status == "cancelled" else 120)
                delivered = promised + timedelta(minutes=late) if late is not None else None
                rows.append(
                    Order(
                        number=f"LOAD-{n:07d}",
                        customer_id=user_ids[n % customers],
                        merchant=merchant,
                        status=status,
                        placed_at=promised - timedelta(minutes=40),
                        promised_at=promised,
                        delivered_at=delivered,
                        items_total=Decimal("30.00"),
                        delivery_fee=Decimal("3.00"),
                        packaging_fee=Decimal("1.00"),
                        discount_total=Decimal("10.00"),
                        paid_total=Decimal("24.00"),
                        payload_digest="bench",
                    )
                )
            stored = Order.objects.bulk_create(rows)
            OrderItem.objects.bulk_create(
                OrderItem(
                    order=o,
                    position=1,
                    sku="SKU-00001",
                    name="宫保鸡丁",
                    unit_price=Decimal("10.00"),
                    quantity=3,
                )
                for o in stored
            )
            Discount.objects.bulk_create(
                Discount(order=o, kind="coupon", amount=Decimal("10.00")) for o in stored
            )
            Tender.objects.bulk_create(
                Tender(
                    order=o,
                    position=1,
                    method="alipay",
                    amount=Decimal("24.00"),
                    account=f"alipay:138****{n % 10000:04d}",
                )
                for n, o in zip(numbers, stored, strict=True)
            )
            for n in numbers:
                reason = pattern[n % len(pattern)][3]
                body = {"order": f"LOAD-{n:07d}", "reason": reason, "description": "压测"}
                filing.append(
                    Job(
                        "POST",
                        "/api/v1/refunds/",
                        json.dumps(body, ensure_ascii=False).encode(),
                        tokens[n % customers],
                        201,
                    )
                )
            bar.update(len(rows))
    bar.close()
    from django.db import connection

    # Statistics for the tables just filled. Not for the empty refund tables:
    # statistics saying "empty" make PostgreSQL plan their foreign-key checks
    # as sequential scans, plans each server connection keeps while the table
    # grows; a platform in operation never has them.
    filled = (
        User,
        User.groups.through,
        Group,
        ApiToken,
        Merchant,
        Order,
        OrderItem,
        Discount,
        Tender,
    )
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in filled)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
    bare = [
        Job("GET", f"/api/v1/refunds/?order=LOAD-{n:07d}", b"", tokens[n % customers], 200)
        for n in range(customers)
    ]
    return filing, bare


# --- The server -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(settings_module: str, settings_dir: Path, workers: int) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        **THROTTLES,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONPATH": os.pathsep.join([str(settings_dir), str(ROOT)]),
    }
    env.pop("REDIS_URL", None)
    server_log = settings_dir / "gunicorn.log"
    # The portal's own request log goes to a file, as a log collector would
    # take it: a terminal that reads it slowly must not slow the workers.
    app_log = settings_dir / "portal.log"
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "refundportal.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--backlog",
        "2048",
        "--timeout",
        "60",
        "--log-level",
        "warning",
        "--error-logfile",
        str(server_log),
    ]
    with app_log.open("wb") as app_output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=app_output
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                sys.exit(f"gunicorn exited with {process.returncode}; see {server_log}")
            try:
                status, _ = request(port, Job("GET", "/healthz", b"", "", 200))
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.2)
        log(f"gunicorn: {workers} sync workers on 127.0.0.1:{port} (pid {process.pid})")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors = "".join(
            path.read_text(errors="replace") for path in (server_log, app_log) if path.exists()
        )
        tracebacks = errors.count("Traceback")
        if tracebacks:
            log(f"gunicorn logged {tracebacks} tracebacks; the last lines:\n{errors[-2000:]}")
        log("gunicorn stopped")


# --- The load generator -----------------------------------------------------------


def request(port: int, job: Job) -> tuple[int, bytes]:
    # Sync workers close the connection after each response: one per request.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Accept": "application/json"}
        if job.token:
            headers["Authorization"] = f"Token {job.token}"
        if job.body:
            headers["Content-Type"] = "application/json"
        connection.request(job.method, job.path, body=job.body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def client_process(
    port: int,
    jobs: list[Job],
    cycle: bool,
    threads: int,
    start_at: float,
    seconds: float,
    done: Any,
    results: Any,
) -> None:
    """``threads`` threads sending ``jobs`` (each once, or round and round
    with ``cycle``) from ``start_at`` for ``seconds``; each result is
    (seconds since start_at, latency in ms, status)."""
    lock = threading.Lock()
    position = [0]
    records: list[tuple[float, float, int]] = []
    errors: list[str] = []

    def take() -> Job | None:
        with lock:
            index = position[0]
            position[0] += 1
        if index >= len(jobs):
            if not cycle:
                return None
            index %= len(jobs)
        return jobs[index]

    def worker() -> None:
        while time.time() < start_at + seconds:
            job = take()
            if job is None:
                return
            began = time.perf_counter()
            try:
                status, body = request(port, job)
            except OSError as exc:
                status, body = 0, str(exc).encode()
            ended = time.perf_counter()
            records.append((time.time() - start_at, (ended - began) * 1000, status))
            if status != job.expect and len(errors) < 5:
                errors.append(f"{job.method} {job.path} -> {status} {body[:300]!r}")
            with done.get_lock():
                done.value += 1

    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(seconds + 60)
    results.put((records, errors, position[0] >= len(jobs) and not cycle))


@dataclass
class Phase:
    name: str
    requests: int
    ok: int
    seconds: float
    latencies: list[float]
    statuses: Counter[int]
    ran_out: bool

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def drive(name: str, port: int, jobs: list[Job], *, cycle: bool, seconds: float, c: int) -> Phase:
    from tqdm import tqdm

    context = multiprocessing.get_context("fork")
    done = context.Value("q", 0)
    results = context.Queue()
    processes = min(CLIENT_PROCESSES, c)
    start_at = time.time() + 0.5
    clients = []
    for p in range(processes):
        threads = c // processes + (1 if p < c % processes else 0)
        # Each process files its own share of the orders; cycled jobs are shared.
        share = jobs if cycle else jobs[p::processes]
        clients.append(
            context.Process(
                target=client_process,
                args=(port, share, cycle, threads, start_at, seconds, done, results),
                daemon=True,
            )
        )
    for client in clients:
        client.start()
    with tqdm(total=round(seconds), unit="s", desc=name, file=sys.stderr) as bar:
        while time.time() < start_at + seconds:
            time.sleep(0.5)
            bar.n = min(round(seconds), max(0, round(time.time() - start_at)))
            bar.set_postfix(requests=done.value)
            bar.refresh()
    gathered = [results.get(timeout=seconds + 120) for _ in clients]
    for client in clients:
        client.join(30)
    records = [r for recs, _, _ in gathered for r in recs]
    errors = [e for _, errs, _ in gathered for e in errs]
    ran_out = any(out for _, _, out in gathered)
    for error in errors[:5]:
        log(f"  unexpected answer: {error}")
    expect = jobs[0].expect
    ok = [r for r in records if r[2] == expect]
    window = max((r[0] for r in records), default=seconds) if ran_out else seconds
    if ran_out:
        log(f"  {name}: ran out of orders after {window:.1f} s; use --orders")
    return Phase(
        name=name,
        requests=len(records),
        ok=len(ok),
        seconds=min(window, seconds),
        latencies=[r[1] for r in ok],
        statuses=Counter(r[2] for r in records),
        ran_out=ran_out,
    )


def warm(port: int, jobs: list[Job], count: int) -> None:
    for job in jobs[:count]:
        request(port, job)


# --- Profiling --------------------------------------------------------------------


def profile(filing: list[Job], bare: list[Job], count: int) -> None:
    """Read ``count`` bare pages and file ``count`` requests in-process
    under pyinstrument."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    client = Client(HTTP_HOST="127.0.0.1")

    def file(job: Job) -> None:
        response = client.post(
            job.path,
            data=job.body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {job.token}",
        )
        if response.status_code != job.expect:
            sys.exit(f"filing answered {response.status_code}: {response.content[:300]!r}")

    def read(job: Job) -> None:
        response = client.get(job.path, HTTP_AUTHORIZATION=f"Token {job.token}")
        if response.status_code != job.expect:
            sys.exit(f"bare read answered {response.status_code}: {response.content[:300]!r}")

    for job in filing[:20]:  # warm: imports, translations, the policy row
        file(job)
    for job in bare[:20]:
        read(job)
    bare_profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with bare_profiler:
        for job in bare[20 : 20 + count]:
            read(job)
    bare_ms = (time.perf_counter() - started) / count * 1000
    print(bare_profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"profile: {count} bare reads in-process, {bare_ms:.2f} ms each")
    one_per_reason = {json.loads(job.body)["reason"]: job for job in filing[20:30]}
    for job in one_per_reason.values():
        with CaptureQueriesContext(connection) as queries:
            file(job)
        log(f"{json.loads(job.body)['reason']}: {len(queries.captured_queries)} queries")
        for query in queries.captured_queries:
            log(f"    {query['sql'][:160]}")
    jobs = filing[30 : 30 + count]
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for job in jobs:
            file(job)
    elapsed = time.perf_counter() - started
    print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False))
    print(f"profile: {len(jobs)} filings in-process, {elapsed / len(jobs) * 1000:.2f} ms each")


# --- Main --------------------------------------------------------------------------


def table(phases: list[Phase]) -> str:
    head = f"{'endpoint':<10} {'requests':>9} {'ok':>8} {'req/s':>8} "
    head += f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    lines = [head, "-" * len(head)]
    for phase in phases:
        lines.append(
            f"{phase.name:<10} {phase.requests:>9} {phase.ok:>8} {phase.rps:>8.1f} "
            f"{phase.percentile(0.50):>8.1f} {phase.percentile(0.95):>8.1f} "
            f"{phase.percentile(0.99):>8.1f} {max(phase.latencies, default=0):>8.1f}"
        )
    return "\n".join(lines)


def outcomes() -> str:
    from django.db.models import Count

    from payouts.models import Payout
    from refunds.models import RefundRequest

    rows = (
        RefundRequest.objects.values("decision_rule", "status")
        .annotate(n=Count("id"))
        .order_by("decision_rule", "status")
    )
    filed = ", ".join(f"{r['decision_rule']} {r['status']} {r['n']}" for r in rows)
    payouts = Counter(Payout.objects.values_list("status", flat=True))
    return f"filed: {filed or 'none'}; payouts: {dict(payouts) or 'none'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--payouts", choices=["deferred", "inline"], default="deferred")
    parser.add_argument("--orders", type=int, default=None, help="orders to file at most")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--profile", type=int, default=0, help="profile N filings in-process")
    args = parser.parse_args()
    if args.seconds <= 0 or args.concurrency < 1 or args.workers < 1:
        parser.error("--seconds, --concurrency and --workers must be positive")
    if args.seconds > 600:
        parser.error("--seconds is at most 600")
    orders = args.orders or max(1000, round(args.seconds * ORDERS_PER_SECOND))
    if args.profile:
        orders = 3 * (args.profile + 100)

    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder, scratch_database() as where:
        settings_module = write_settings(Path(folder), args.payouts)
        sys.path.insert(0, folder)
        os.environ.pop("REDIS_URL", None)
        os.environ.update(THROTTLES)
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
        import django
        from django.core.management import call_command

        django.setup()
        log(f"database: {where}")
        call_command("migrate", verbosity=0, interactive=False)
        started = time.perf_counter()
        filing, bare = seed(orders)
        log(
            f"seeded {len(bare):,} customers and {len(filing):,} orders "
            f"in {time.perf_counter() - started:.1f} s"
        )
        if args.profile:
            profile(filing, bare, args.profile)
            return
        from django.db import connections

        connections.close_all()  # the server's workers must not share this one

        with gunicorn(settings_module, Path(folder), args.workers) as port:
            warm(port, bare, 200)
            warm_filing, filing = filing[: 10 * args.workers], filing[10 * args.workers :]
            warm(port, warm_filing, len(warm_filing))
            health = [Job("GET", "/healthz", b"", "", 200)]
            phases = [
                drive("bare", port, bare, cycle=True, seconds=args.seconds, c=args.concurrency),
                drive(
                    "healthz", port, health, cycle=True, seconds=args.seconds, c=args.concurrency
                ),
                drive(
                    "filing", port, filing, cycle=False, seconds=args.seconds, c=args.concurrency
                ),
            ]
        log(outcomes())

    bare_phase, _health, filing_phase = phases
    for phase in phases:
        other = {k: v for k, v in phase.statuses.items() if k not in (200, 201)}
        if other:
            log(f"{phase.name}: unexpected statuses {other}")
    ratio = filing_phase.rps / bare_phase.rps if bare_phase.rps else 0.0
    filing_p95 = filing_phase.percentile(0.95)
    bare_p95 = bare_phase.percentile(0.95) or 1.0
    cores = os.cpu_count() or 1
    print(
        f"\n{args.seconds:g} s per endpoint at concurrency {args.concurrency}, "
        f"gunicorn {args.workers} sync workers, {cores} cores, PostgreSQL, "
        f"payouts {args.payouts}"
    )
    print(table(phases))
    print(
        f"filing/bare throughput: {ratio:.2f} (target >= 0.45); "
        f"filing p95 {filing_p95:.1f} ms, {filing_p95 / bare_p95:.2f} x bare's "
        f"{bare_p95:.1f} ms (target <= 2.5 x)"
    )
    print(
        f"load bare_rps={bare_phase.rps:.1f} filing_rps={filing_phase.rps:.1f} "
        f"ratio={ratio:.2f} filing_p95_ms={filing_p95:.1f} bare_p95_ms={bare_p95:.1f}"
    )


if __name__ == "__main__":
    main()
