"""Shared set-up of the bench scripts (a helper module: running it does nothing).

The scripts only ever use one PostgreSQL database, `hrportal_bench`, on the server named by
DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hrportal_bench). Any other
database name is refused, so a benchmark can never flush a real database.
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

BENCH_DB = "hrportal_bench"
DEFAULT_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
PROJECT = Path(__file__).resolve().parent.parent
OUT = PROJECT / "bench" / "out"
HC_USERNAME = "bench.hc"


def bench_url() -> str:
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    parts = urlsplit(url)
    # A copy (createdb -T hrportal_bench hrportal_bench_NAME) is a bench database too.
    name = parts.path.lstrip("/")
    if parts.scheme not in {"postgres", "postgresql", "pgsql"} or not (
        name == BENCH_DB or name.startswith(BENCH_DB + "_")
    ):
        shown = f"{parts.scheme}://{parts.hostname or ''}{parts.path}"
        sys.exit(
            f"The bench scripts use only a PostgreSQL database named {BENCH_DB!r}, not {shown!r}.\n"
            f"Unset DATABASE_URL or set it to e.g. {DEFAULT_URL}"
        )
    return url


def setup_django() -> None:
    """Point Django at the bench database (DEBUG on, as `make bench` runs it) and set it up."""
    os.environ["DATABASE_URL"] = bench_url()
    os.environ.setdefault("DEBUG", "True")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hrportal.settings")
    if str(PROJECT) not in sys.path:
        sys.path.insert(0, str(PROJECT))
    import django

    django.setup()


def _maintenance_connection():
    """A connection to the server's maintenance database (to drop, create or describe the bench one)."""
    import psycopg

    parts = urlsplit(bench_url())
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )


def recreate_database() -> None:
    """Drop and create the bench database, through the server's maintenance database."""
    with _maintenance_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{BENCH_DB}"')


def database_marker() -> str | None:
    """What the bench database says it holds (its comment, set by set_database_marker once a
    data set is complete); None when it does not exist or was never marked."""
    with _maintenance_connection() as connection:
        row = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [BENCH_DB]
        ).fetchone()
    return row[0] if row else None


def set_database_marker(text: str) -> None:
    from psycopg import sql

    with _maintenance_connection() as connection:
        connection.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(BENCH_DB), sql.Literal(text)))
