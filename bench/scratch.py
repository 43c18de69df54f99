"""A scratch PostgreSQL database for a benchmark: created fresh on the server
of a DATABASE_URL, pointed at through DATABASE_URL while the benchmark runs,
and dropped afterwards."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def postgres_database(
    server_url: str, name: str, *, keep: bool = False
) -> Iterator[dict[str, Any]]:
    """Yields the parsed server settings; ``keep`` leaves the database behind."""
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    server = dj_database_url.parse(server_url)

    def admin(statement: Any) -> None:
        connection = psycopg2.connect(
            dbname=server["NAME"] or "postgres",
            user=server["USER"],
            password=server["PASSWORD"],
            host=server["HOST"] or "127.0.0.1",
            port=server["PORT"] or 5432,
        )
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    admin(drop)
    admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, _ = server_url.rpartition("/")
    os.environ["DATABASE_URL"] = f"{base}/{name}"
    try:
        yield server
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            admin(drop)
