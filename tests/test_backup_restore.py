"""The restore drill: a portal with requests and photos is backed up with
``scripts/backup.sh``, loses its database and its evidence, is restored
with ``scripts/restore.sh`` and serves the same requests and the same
photos. Once on the embedded SQLite file, once on a PostgreSQL scratch
database of its own.

The portal under test reads a real database the scripts can reach: the
test moves the connection onto a file (SQLite) or a database made from the
test database as a template (PostgreSQL) for the drill, and back after."""

import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts import roles
from refundportal import clock
from refunds import services
from refunds.evidence import process_photo
from tests.factories import UserFactory, create_order_at, photo_upload

ROOT = Path(__file__).resolve().parent.parent
BACKUP = ROOT / "scripts" / "backup.sh"
RESTORE = ROOT / "scripts" / "restore.sh"
AT = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)


@dataclass
class Served:
    """What the portal shows of a request: its JSON and its photos' digests."""

    refund: dict[str, Any]
    photos: dict[int, str]


@pytest.fixture
def var_dir(tmp_path: Path, settings: Any) -> Path:
    """The evidence folder the portal writes and the scripts back up."""
    var = tmp_path / "var"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(var / "private"), "base_url": None},
        },
    }
    return var


def seed() -> tuple[Any, list[int]]:
    """Three requests of one customer, the first two with photos."""
    customer = UserFactory(role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=30))
    refunds = []
    for n in range(3):
        delivered = clock.now() - timedelta(hours=1 + n)
        order = create_order_at(
            customer=customer,
            status="delivered",
            promised_at=delivered - timedelta(minutes=40),
            delivered_at=delivered,
        )
        evidence_ids = []
        for seed_ in range(2 - n if n < 2 else 0):
            upload = photo_upload(10 * n + seed_)
            photo = process_photo(upload, upload.size)
            evidence_ids.append(services.evidence_store(owner=customer, photo=photo).pk)
        filed = services.refund_file(
            customer=customer,
            order_number=order.number,
            reason="damaged" if evidence_ids else "late_delivery",
            description="饭菜洒了",
            evidence_ids=evidence_ids,
        )
        refunds.append(filed.request.pk)
    return customer, refunds


def served(customer: Any, refund_ids: list[int]) -> list[Served]:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(customer)
    shown = []
    for refund_id in refund_ids:
        response = client.get(f"/api/v1/refunds/{refund_id}/")
        assert response.status_code == 200, response.content
        body = response.json()
        photos = {}
        for evidence in body["evidence"]:
            download = client.get(f"/api/v1/evidence/{evidence['id']}/file/")
            assert download.status_code == 200
            photos[evidence["id"]] = hashlib.sha256(
                b"".join(download.streaming_content)
            ).hexdigest()
        shown.append(Served(body, photos))
    return shown


def run(script: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@contextmanager
def connection_to(name: str) -> Iterator[None]:
    """The portal's connection opens ``name`` until the block ends; the
    test database's own connection is kept aside (an in-memory SQLite
    database lives only as long as it)."""
    saved_name = connection.settings_dict["NAME"]
    saved = connection.connection
    connection.connection = None
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved_name
        connection.connection = saved


def drill(env: dict[str, str], var_dir: Path, backups: Path, drop_database: Any) -> None:
    """Seed, back up, lose everything, restore; the portal shows the same."""
    with clock.frozen_at(AT):
        customer, refund_ids = seed()
        before = served(customer, refund_ids)
    assert sum(len(shown.photos) for shown in before) == 3
    connection.close()

    backed_up = run(BACKUP, "--dest", str(backups), env=env)
    assert backed_up.returncode == 0, backed_up.stderr
    (folder,) = backups.iterdir()
    assert {p.name for p in folder.iterdir()} >= {"manifest.txt", "SHA256SUMS", "evidence.tar.gz"}

    drop_database()
    subprocess.run(["rm", "-rf", str(var_dir)], check=True)

    restored = run(RESTORE, str(folder), env=env)
    assert restored.returncode == 0, restored.stderr
    with clock.frozen_at(AT):
        after = served(customer, refund_ids)
    assert after == before

    # The portal holds data again: a second restore asks for --yes.
    refused = run(RESTORE, str(folder), env=env)
    assert refused.returncode == 3
    assert "--yes" in refused.stderr
    again = run(RESTORE, "--yes", str(folder), env=env)
    assert again.returncode == 0, again.stderr


@pytest.mark.django_db(transaction=True)
def test_a_sqlite_portal_is_restored_to_the_same_requests_and_photos(tmp_path, var_dir):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite drill runs on the embedded default")
    database = tmp_path / "portal.sqlite3"
    target = sqlite3.connect(database)
    connection.ensure_connection()
    connection.connection.backup(target)  # the test database's schema
    target.close()
    env = {
        "DATABASE_URL": "",
        "SQLITE_PATH": str(database),
        "REFUNDPORTAL_VAR_DIR": str(var_dir),
    }
    with connection_to(str(database)):
        drill(env, var_dir, tmp_path / "backups", database.unlink)


def psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, timeout=60)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_portal_is_restored_to_the_same_requests_and_photos(tmp_path, var_dir):
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres") + (
        ":" + quote(db["PASSWORD"]) if db["PASSWORD"] else ""
    )
    server = f"postgresql://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    scratch = f"{db['NAME']}_drill"
    maintenance = f"{server}/postgres"
    connection.close()
    psql(maintenance, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    psql(maintenance, f'CREATE DATABASE "{scratch}"')
    # A copy through pg_dump, not CREATE DATABASE ... TEMPLATE: a template
    # must have no other session, and another test's thread may hold one.
    schema = subprocess.run(
        ["pg_dump", "--no-owner", f"{server}/{db['NAME']}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    subprocess.run(
        ["psql", f"{server}/{scratch}", "-q", "-v", "ON_ERROR_STOP=1"],
        input=schema,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    env = {"DATABASE_URL": f"{server}/{scratch}", "REFUNDPORTAL_VAR_DIR": str(var_dir)}
    try:
        with connection_to(scratch):
            drill(
                env,
                var_dir,
                tmp_path / "backups",
                lambda: psql(maintenance, f'DROP DATABASE "{scratch}" WITH (FORCE)'),
            )
    finally:
        psql(maintenance, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


# --- The scripts' own promises, without a portal -------------------------------------


def sqlite_portal(tmp_path: Path) -> dict[str, str]:
    """A SQLite file and an evidence folder, as the scripts see a portal."""
    database = tmp_path / "db.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
    db.close()
    (tmp_path / "var" / "private").mkdir(parents=True)
    (tmp_path / "var" / "private" / "a.jpg").write_bytes(b"photo")
    return {
        "DATABASE_URL": "",
        "SQLITE_PATH": str(database),
        "REFUNDPORTAL_VAR_DIR": str(tmp_path / "var"),
    }


def test_keep_leaves_only_the_newest_backups(tmp_path):
    env = sqlite_portal(tmp_path)
    backups = tmp_path / "backups"
    for _ in range(3):
        assert run(BACKUP, "--dest", str(backups), env=env).returncode == 0
    names = sorted(p.name for p in backups.iterdir())
    assert len(names) == 3
    kept = run(BACKUP, "--dest", str(backups), "--keep", "2", env=env)
    assert kept.returncode == 0, kept.stderr
    left = sorted(p.name for p in backups.iterdir())
    assert len(left) == 2
    assert left[0] == names[-1]  # the newest before, and the one just made
    assert left[1] not in names
    manifest = (sorted(backups.iterdir())[-1] / "manifest.txt").read_text()
    assert "database=sqlite" in manifest and "evidence_files=1" in manifest
    assert run(BACKUP, "--dest", str(backups), "--keep", "0", env=env).returncode == 2


def test_a_backup_that_fails_its_checksums_is_not_restored(tmp_path):
    env = sqlite_portal(tmp_path)
    assert run(BACKUP, "--dest", str(tmp_path / "backups"), env=env).returncode == 0
    (folder,) = (tmp_path / "backups").iterdir()
    (folder / "evidence.tar.gz").write_bytes(b"not what was backed up")
    (tmp_path / "var" / "private" / "a.jpg").write_bytes(b"today's photo")
    refused = run(RESTORE, "--yes", str(folder), env=env)
    assert refused.returncode == 1
    assert "checksums" in refused.stderr
    assert (tmp_path / "var" / "private" / "a.jpg").read_bytes() == b"today's photo"


STUB_DOCKER = """#!/usr/bin/env bash
echo "$*" >>"$DOCKER_LOG"
case "$*" in
  *"tar -czf - -C /app/var ."*) tar -czf - -C "$STUB_VAR" . ;;
  *pg_dump*) printf 'PGDMP-stub' ;;
  *"SELECT count(*)"*) echo 5 ;;
  *) cat >/dev/null 2>&1 <&0 || true ;;
esac
"""


def test_compose_mode_runs_the_same_inside_the_stack(tmp_path):
    """With ``--compose`` the scripts go through ``docker compose``: pg_dump
    and pg_restore in the postgres service, the evidence volume through the
    web image, the portal's services stopped during a restore."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(STUB_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    (tmp_path / "stack-var" / "private").mkdir(parents=True)
    (tmp_path / "stack-var" / "private" / "a.jpg").write_bytes(b"photo")
    log = tmp_path / "docker.log"
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "DOCKER_LOG": str(log),
        "STUB_VAR": str(tmp_path / "stack-var"),
    }
    backed_up = run(BACKUP, "--compose", "--dest", str(tmp_path / "backups"), env=env)
    assert backed_up.returncode == 0, backed_up.stderr
    (folder,) = (tmp_path / "backups").iterdir()
    assert (folder / "db.dump").read_bytes() == b"PGDMP-stub"
    assert "evidence_files=1" in (folder / "manifest.txt").read_text()
    calls = log.read_text().splitlines()
    assert calls[0].startswith("compose exec -T postgres") and "pg_dump -Fc" in calls[0]
    assert calls[1] == "compose run --rm --no-deps -T web tar -czf - -C /app/var ."

    log.write_text("")
    refused = run(RESTORE, "--compose", str(folder), env=env)
    assert refused.returncode == 3, refused.stderr
    assert not any("stop" in call for call in log.read_text().splitlines())

    log.write_text("")
    restored = run(RESTORE, "--compose", "--yes", str(folder), env=env)
    assert restored.returncode == 0, restored.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "compose stop web worker-payouts worker-default beat"
    assert "pg_restore" in calls[1] and "dropdb" in calls[1]
    assert calls[2].startswith("compose run --rm --no-deps -T web") and "tar -xzf" in calls[2]
    assert calls[3] == "compose up -d"
