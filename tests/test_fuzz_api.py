"""Schemathesis against the portal served for real: every operation in
/api/schema/, as each role (the merchant's user made with ``create_user``
for the demo customer's merchants, with requests waiting for it), checking
that nothing answers 500 and that every response (status, content type,
body) is one the schema declares.

The server runs in a subprocess on a scratch database of its own (a
PostgreSQL database created for the run on the PostgreSQL pass, an SQLite
file otherwise), migrated and seeded with demo data, with tasks in-process
so that nothing it enqueues reaches the session's Celery worker. The run is
bounded in time (``FUZZ_SECONDS`` per role, the roles in parallel).

It runs when ``FUZZ=1`` (CI sets it on the PostgreSQL pass; there a skip is a
failure). Reproduce a finding with the seed printed in the summary:
``FUZZ=1 FUZZ_SEED=<seed> pytest tests/test_fuzz_api.py -s``.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

pytestmark = pytest.mark.fuzz

BASE_DIR = Path(__file__).resolve().parent.parent
ROLES = ("customer", "agent", "finance", "manager", "integration", "merchant")
# The merchant user works for the merchants of the demo customer's orders,
# so that the customer's requests reach it (the demo's own ``merchant`` login
# works for another merchant).
MERCHANT_USER = "fuzz-merchant"
PASSWORD = "demo12345"
CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
)
BUDGET_SECONDS = int(os.environ.get("FUZZ_SECONDS", "150"))
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "20"))
# Generous limits: the fuzzer is one client sending thousands of requests.
THROTTLES = {
    "THROTTLE_USER": "1000000/min",
    "THROTTLE_ANON": "1000000/min",
    "THROTTLE_UPLOADS": "1000000/min",
    "THROTTLE_FILING": "1000000/min",
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_url(name: str) -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{name}"
    )


def _postgres_admin(statement: str) -> None:
    import psycopg2

    db = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        password=db.get("PASSWORD") or "",
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(statement)
    finally:
        admin.close()


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment that points a process at a fresh database."""
    if connection.vendor == "postgresql":
        name = f"refundportal_fuzz_{os.getpid()}"
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _postgres_admin(f'CREATE DATABASE "{name}"')
        try:
            yield {"DATABASE_URL": _postgres_url(name)}
        finally:
            _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield {"SQLITE_PATH": str(tmp_path / "fuzz.sqlite3")}


def _server_env(database: dict[str, str], var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "CI"}
    }
    env.update(database)
    env.update(THROTTLES)
    env["DJANGO_SETTINGS_MODULE"] = "refundportal.settings.test"
    env["REFUNDPORTAL_VAR_DIR"] = str(var_dir)
    env["SANDBOX_SLOW_SECONDS"] = "0"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def _http(url: str, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@dataclass
class Server:
    url: str
    log: Path
    env: dict[str, str]


@pytest.fixture
def server(scratch_database: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    """``manage.py runserver`` (threaded, as concurrent clients meet it) on
    a free loopback port, over the migrated and seeded scratch database."""
    env = _server_env(scratch_database, tmp_path / "var")
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo", "--orders", "150", "--months", "2")
    port = _free_port()
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "runserver",
                "--noreload",
                "--skip-checks",
                f"127.0.0.1:{port}",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _http(f"{url}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.3)
        yield Server(url=url, log=log, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _token(server: Server, username: str) -> str:
    status, body = _http(
        f"{server.url}/api/v1/auth/token/", {"username": username, "password": PASSWORD}
    )
    assert status == 200, (username, status, body[:300])
    return str(json.loads(body)["token"])


def _api(server: Server, token: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """The JSON a call answers, or ``None`` where it is refused."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{server.url}{path}", data=data)
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError:
        return None


def _open_requests(server: Server, token: str, wanted: int = 5) -> None:
    """File requests under review on the customer's delivered orders, so
    that the operations on an open request (messages, nudge, cancel) have
    one to act on: the seeded customer's own are mostly settled."""
    orders = (_api(server, token, "/api/v1/orders/?status=delivered&page_size=50") or {}).get(
        "results", []
    )
    for order in orders:
        filed = _api(
            server,
            token,
            "/api/v1/refunds/",
            {"order": order["number"], "reason": "other", "description": "fuzz"},
        )
        wanted -= bool(filed and filed["status"] == "pending_review")
        if wanted <= 0:
            return


def _merchant_user(server: Server, token: str) -> None:
    """A merchant user for the merchants of the customer's orders (``token``
    is the customer's), made as an operator would, with ``create_user``."""
    orders = (_api(server, token, "/api/v1/orders/?page_size=100") or {}).get("results", [])
    codes = sorted({order["merchant"]["code"] for order in orders})
    assert codes, "the demo customer has no orders"
    merchants = [arg for code in codes for arg in ("--merchant", code)]
    _manage(
        server.env,
        "create_user",
        MERCHANT_USER,
        "--role",
        "merchant",
        "--password",
        PASSWORD,
        *merchants,
    )


def _awaiting_merchant(server: Server, token: str) -> None:
    """A change of mind on the customer's orders being prepared: it waits for
    the merchant (whose user now exists), so that the merchant's answer has a
    request to act on."""
    orders = (_api(server, token, "/api/v1/orders/?status=accepted&page_size=50") or {}).get(
        "results", []
    )
    waiting = [
        _api(
            server,
            token,
            "/api/v1/refunds/",
            {"order": order["number"], "reason": "changed_mind", "description": "fuzz"},
        )
        for order in orders
    ]
    assert [r for r in waiting if r and r["status"] == "awaiting_merchant"], waiting


def _request_ids(server: Server, token: str, role: str) -> list[int]:
    """Requests the role may act on, those still open first: random ids
    almost never name one, and then the operations on a request answer 404
    without reaching the code behind it. The requests waiting for the
    merchant are left to the merchant's run: the customer's run would
    cancel them before the merchant answers."""
    ids: list[int] = []
    listed = "/api/v1/merchant/refunds/" if role == "merchant" else "/api/v1/refunds/"
    for query in ("?status=pending_review", "?status=awaiting_customer", ""):
        page = _api(server, token, f"{listed}{query}")
        for row in (page or {}).get("results", []):
            if role == "customer" and row["status"] == "awaiting_merchant":
                continue
            if row["id"] not in ids:
                ids.append(row["id"])
    return ids[:40]


def _config(ids: list[int], path: Path) -> Path:
    """Half of the ids generated for ``/refunds/{id}/...`` are real ones."""
    lines = []
    if ids:
        lines += [
            "[dictionaries.requests]",
            f"values = {json.dumps(ids)}",
            "",
            "[[operations]]",
            'include-path-regex = "^/api/v1/refunds/[{]id[}]/"',
            'parameters = { "path.id" = { dictionary = "requests", probability = 0.5 } }',
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _schemathesis(server: Server, token: str, report: Path, config: Path) -> list[str]:
    command = [
        sys.executable,
        "-c",
        "from schemathesis.cli import schemathesis; schemathesis()",
        "--config-file",
        str(config),
        "run",
        f"{server.url}/api/schema/",
        "--header",
        f"Authorization: Token {token}",
        # Logging out would end the run's token: every later call a 401.
        "--exclude-path",
        "/api/v1/auth/logout/",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(BUDGET_SECONDS),
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    if os.environ.get("FUZZ_SEED"):
        command += ["--seed", os.environ["FUZZ_SEED"]]
    return command


def _server_errors(log: Path) -> str:
    """The tracebacks the server logged, to show with the findings."""
    text = log.read_text(errors="replace")
    start = text.find("Traceback (most recent call last)")
    return text[start : start + 6000] if start >= 0 else ""


def test_no_operation_breaks_or_leaves_the_schema_for_any_role(server, tmp_path):
    started = time.monotonic()
    _merchant_user(server, _token(server, "customer"))
    tokens = {role: _token(server, MERCHANT_USER if role == "merchant" else role) for role in ROLES}
    _open_requests(server, tokens["customer"])
    _awaiting_merchant(server, tokens["customer"])
    runs: dict[str, tuple[subprocess.Popen[bytes], Path, Path]] = {}
    for role, token in tokens.items():
        report = tmp_path / f"{role}.json"
        output = tmp_path / f"{role}.out"
        config = _config(_request_ids(server, token, role), tmp_path / f"{role}.toml")
        with open(output, "wb") as out:
            process = subprocess.Popen(
                _schemathesis(server, token, report, config),
                cwd=tmp_path,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        runs[role] = (process, report, output)

    findings: list[str] = []
    summary: list[str] = []
    for role, (process, report, output) in runs.items():
        try:
            process.wait(timeout=BUDGET_SECONDS + 120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
            findings.append(f"{role}: schemathesis overran its budget\n{output.read_text()}")
            continue
        text = output.read_text(errors="replace")
        if not report.exists():
            findings.append(f"{role}: no report (exit {process.returncode})\n{text}")
            continue
        result = json.loads(report.read_text())
        cases = result["test_cases"]
        warnings = {name: ops for name, ops in result.get("warnings", {}).items() if ops}
        summary.append(
            f"{role}: {cases['generated']} cases, {cases['unique_failures']} unique failures, "
            f"{len(result['errors'])} errors, {result['running_time']:.0f}s, "
            f"seed {result['seed']}; validation mismatch: "
            f"{warnings.get('validation_mismatch', [])}"
        )
        if result["failures"] or result["errors"] or process.returncode != 0:
            findings.append(f"--- {role} (exit {process.returncode}) ---\n{text}")

    elapsed = time.monotonic() - started
    print(f"\nschemathesis, {elapsed:.0f}s in all:\n" + "\n".join(summary))
    if findings:
        errors = _server_errors(server.log)
        pytest.fail(
            "\n".join(summary)
            + "\n\n"
            + "\n\n".join(findings)
            + (f"\n\nThe server logged:\n{errors}" if errors else ""),
            pytrace=False,
        )
