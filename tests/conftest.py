"""Shared fixtures and the rules for tests that need more than the embedded
default: PostgreSQL, a real Celery worker, or Debian's Chromium.

Such tests skip where the component is missing, except in CI (``CI=true``)
on the pass that has it, where a skip would hide a gap and fails instead.

Hypothesis runs under one of two profiles, named by ``HYPOTHESIS_PROFILE``
(``CI=true`` selects ``ci`` when it is unset):

- ``dev``: random examples, the failing ones kept in ``.hypothesis/`` and
  tried first on the next run;
- ``ci``: the same examples on every run (derandomized, no example
  database), so that a red pass is the code's doing and replays as it is.

Neither sets a deadline: the property tests assert what the money and the
policy come to, not how fast an example runs, and on a busy 2-core machine
a database-backed example may take a second without anything being wrong.
"""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from accounts import roles

from .factories import UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() == "true"
ON_POSTGRES_PASS = bool(os.environ.get("DATABASE_URL"))
# The API fuzz run takes minutes: CI runs it once, on the PostgreSQL pass.
FUZZ = os.environ.get("FUZZ") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
BASE_DIR = Path(__file__).resolve().parent.parent

hypothesis_settings.register_profile(
    "dev",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=100,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev")
hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)


def _missing(reason: str, *, required_in_ci: bool) -> None:
    if IN_CI and required_in_ci:
        pytest.fail(f"{reason} (a skip is a failure in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _component_markers(request: pytest.FixtureRequest) -> None:
    node = request.node
    if node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("needs PostgreSQL (set DATABASE_URL)", required_in_ci=ON_POSTGRES_PASS)
    if node.get_closest_marker("worker") and not (
        settings.REDIS_URL and connection.vendor == "postgresql"
    ):
        _missing(
            "needs a Celery worker on Redis and PostgreSQL (set REDIS_URL and DATABASE_URL)",
            required_in_ci=ON_POSTGRES_PASS,
        )
    if node.get_closest_marker("fuzz") and not FUZZ:
        _missing("the API fuzz run needs FUZZ=1", required_in_ci=ON_POSTGRES_PASS)
    if node.get_closest_marker("browser") and not Path(CHROMIUM).exists():
        _missing(f"needs Chromium at {CHROMIUM}", required_in_ci=True)


@pytest.fixture(autouse=True)
def _tasks_in_process(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks run in-process, as on the embedded default, even where a broker
    is configured: only tests marked ``worker`` hand them to a real worker."""
    from refundportal.celery_app import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = not request.node.get_closest_marker("worker")
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def client_as(user: Any) -> APIClient:
    from accounts.tokens import token_issue

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user)}")
    client.user = user  # type: ignore[attr-defined]
    return client


@pytest.fixture
def as_role(db: Any) -> Any:
    """``as_role("agent")``: an API client logged in as a new user in that role."""

    def make(role: str, **kwargs: Any) -> APIClient:
        return client_as(UserFactory(role=role, **kwargs))

    return make


@pytest.fixture
def customer(db: Any) -> Any:
    return UserFactory(role=roles.CUSTOMER)


@pytest.fixture
def integration(db: Any) -> APIClient:
    return client_as(UserFactory(role=roles.INTEGRATION))


# --- A real Celery worker ---------------------------------------------------------


def worker_env(**overrides: str) -> dict[str, str]:
    """The environment of a worker process on the test database and Redis."""
    db = connection.settings_dict
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "refundportal.settings.test"
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env.update(overrides)
    return env


def start_worker(
    name: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``celery -A refundportal worker`` as production runs it (all declared
    queues unless ``-Q`` is passed), logging to var/<name>.log."""
    (BASE_DIR / "var").mkdir(exist_ok=True)
    log = open(BASE_DIR / "var" / f"{name}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "refundportal",
            "worker",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            f"--hostname={name}@%h",
            *args,
        ],
        cwd=BASE_DIR,
        env=env or worker_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for_worker(process: subprocess.Popen[bytes], queue: str = "default") -> None:
    from refundportal.tasks import ping

    deadline = time.monotonic() + 60
    while True:
        try:
            ping.apply_async(queue=queue, ignore_result=False).get(timeout=5)
            return
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the Celery worker did not start; see var/*.log") from None


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    """One worker for the session, consuming every declared queue."""
    if not (settings.REDIS_URL and connection.vendor == "postgresql"):
        yield None
        return
    from refundportal.celery_app import app

    app.control.purge()
    process = start_worker("test-worker", "--pool=solo")
    try:
        wait_for_worker(process)
        yield process
    finally:
        stop_worker(process)


@pytest.fixture
def celery_worker(celery_worker_process: Any, transactional_db: Any) -> Any:
    """Tests that hand work to the real worker need committed data."""
    return celery_worker_process
