"""How fast is the near-duplicate photo lookup behind the duplicate_evidence
risk flag?

    python bench/phash.py [--photos N] [--queries 50] [--seed 1]

Fills N random 64-bit perceptual hashes (with their four 16-bit bands) into
the Evidence table of a scratch database, plants a few near-duplicates, then
times ``refunds.evidence.near_duplicates`` at the default distance (6),
median of 50 queries, against a full scan (every hash fetched and compared
in Python), median of 3. With ``DATABASE_URL`` set it runs on that
PostgreSQL server, in a database ``refundportal_bench_phash`` it creates and
drops; otherwise on a temporary SQLite file. The last line is

    phash lookup_ms=<n> scan_ms=<n> photos=<N>
"""

import argparse
import csv
import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "refundportal_bench_phash"
DISTANCE = 6  # the policy's default duplicate_photo_distance
CHUNK = 50_000
PLANTED_QUERIES = 5


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- A scratch database ------------------------------------------------------------


@contextmanager
def postgres_scratch(url: str) -> Iterator[None]:
    """Create ``refundportal_bench_phash`` on the server of ``url``, point
    Django at it, and drop it afterwards."""
    import psycopg2

    parts = urlsplit(url)
    admin = psycopg2.connect(url)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))
        try:
            yield
        finally:
            from django.db import connections

            connections.close_all()
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
            log(f"dropped database {BENCH_DATABASE}")
    finally:
        admin.close()


@contextmanager
def sqlite_scratch() -> Iterator[None]:
    folder = tempfile.mkdtemp(prefix="bench-phash-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(folder, ignore_errors=True)


# --- Filling ---------------------------------------------------------------------


def evidence_columns(owner: Any) -> tuple[list[str], Callable[[int, int], list[Any]]]:
    """The Evidence table's columns (all but the id) and a function giving
    one row's values for a serial number and a hash; everything but the
    hash comes from one template row, so the bench follows the model."""
    from django.db import connection
    from django.utils import timezone

    from refunds.evidence import band_fields, to_signed
    from refunds.models import Evidence

    template = Evidence(
        owner=owner,
        file="evidence/bench/photo.jpg",
        content_type="image/jpeg",
        size=100_000,
        width=1024,
        height=768,
        sha256="0" * 64,
        phash=0,
        **band_fields(0),
    )
    template.created_at = timezone.now()
    fields = [f for f in Evidence._meta.concrete_fields if not f.primary_key]
    base = {f.attname: f.get_db_prep_save(f.pre_save(template, True), connection) for f in fields}
    columns = [f.column for f in fields]

    def row(serial: int, value: int) -> list[Any]:
        values = {
            **base,
            "file": f"evidence/bench/{serial}.jpg",
            "sha256": f"{serial:064x}",
            "phash": to_signed(value),
            **band_fields(value),
        }
        return [values[f.attname] for f in fields]

    return columns, row


def fill(photos: int, hashes: Callable[[int], int], owner: Any) -> None:
    from django.db import connection, transaction
    from tqdm import tqdm

    columns, row = evidence_columns(owner)
    table = connection.ops.quote_name("refunds_evidence")
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with tqdm(total=photos, unit="photo", unit_scale=True, desc="filling", file=sys.stderr) as bar:
        for start in range(0, photos, CHUNK):
            rows = [row(n, hashes(n)) for n in range(start, min(start + CHUNK, photos))]
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    buffer = io.StringIO()
                    csv.writer(buffer).writerows(
                        ["" if v is None else v for v in values] for values in rows
                    )
                    buffer.seek(0)
                    cursor.cursor.copy_expert(
                        f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)", buffer
                    )
                else:
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            bar.update(len(rows))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def near(value: int, rng: random.Random, distance: int) -> int:
    for bit in rng.sample(range(64), distance):
        value ^= 1 << bit
    return value


# --- Timing -----------------------------------------------------------------------


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def scan(value: int) -> list[int]:
    from refunds.evidence import hamming
    from refunds.models import Evidence

    rows = Evidence.objects.values_list("id", "phash").iterator(chunk_size=20_000)
    return [pk for pk, other in rows if hamming(value, other) <= DISTANCE]


def run(photos: int, queries: int, seed: int) -> tuple[float, float]:
    import django
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    settings.DEBUG = False  # no query log for a million rows
    log(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0, interactive=False)

    from refunds.evidence import near_duplicates, to_signed
    from refunds.models import Evidence

    owner = get_user_model().objects.create(username="bench-phash")
    rng = random.Random(seed)
    # Queries whose near-duplicates are planted among the random hashes.
    planted_queries = [rng.getrandbits(64) for _ in range(PLANTED_QUERIES)]
    planted = {
        photos - 1 - i * (DISTANCE + 1) - d: near(q, rng, d)
        for i, q in enumerate(planted_queries)
        for d in range(DISTANCE + 1)
        if photos > PLANTED_QUERIES * (DISTANCE + 1)
    }
    fill(photos, lambda n: planted[n] if n in planted else rng.getrandbits(64), owner)
    log(f"stored {Evidence.objects.count():,} photos, {len(planted)} planted near-duplicates")

    everything = Evidence.objects.all()
    probes = [*planted_queries, *(rng.getrandbits(64) for _ in range(queries))][:queries]
    for probe in probes[:5]:  # warm the connection and the caches
        near_duplicates(everything, to_signed(probe), DISTANCE)
    lookups = []
    found_planted = 0
    for probe in probes:
        ms, found = timed(lambda p=probe: near_duplicates(everything, to_signed(p), DISTANCE))
        lookups.append(ms)
        if probe in planted_queries:
            found_planted += len(found)
    expected = len(planted) if len(probes) >= PLANTED_QUERIES else None
    if expected is not None and found_planted < expected:
        raise SystemExit(f"the lookup missed planted duplicates: {found_planted} < {expected}")
    log(f"lookup found {found_planted} planted near-duplicates")

    scans = []
    for probe in planted_queries[:3]:
        ms, found = timed(lambda p=probe: scan(p))
        scans.append(ms)
        indexed = near_duplicates(everything, to_signed(probe), DISTANCE)
        if sorted(found) != sorted(indexed):
            raise SystemExit("the indexed lookup and the full scan disagree")
    return statistics.median(lookups), statistics.median(scans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.photos < 1 or args.queries < 1:
        parser.error("--photos and --queries must be positive")

    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "refundportal.settings.local"
    url = os.environ.get("DATABASE_URL", "")
    scratch = postgres_scratch(url) if url else sqlite_scratch()
    with scratch:
        lookup_ms, scan_ms = run(args.photos, args.queries, args.seed)
    print(f"phash lookup_ms={lookup_ms:.2f} scan_ms={scan_ms:.0f} photos={args.photos}")


if __name__ == "__main__":
    main()
