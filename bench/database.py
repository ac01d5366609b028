"""The benchmark databases: where they are, whether their seed is current, and machine facts.

The bench database is the environment's ``DATABASE_URL`` (or, with none, the embedded PostgreSQL of
``zhenhai.local_services``) with the database name replaced by ``zhenhai_bench_<scale>``. A table
``bench_seed`` in it records what each seeder loaded (scale, seeder version, the seed's "now"),
so a later run reuses the data and reseeds only what is missing or outdated.
"""

# ruff: noqa: S603 - subprocesses of this project's own commands, never of outside input

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

MARKER_DDL = """
CREATE TABLE IF NOT EXISTS bench_seed (
    name text PRIMARY KEY,
    scale text NOT NULL,
    version integer NOT NULL,
    anchor timestamptz,
    seconds double precision NOT NULL,
    rows jsonb NOT NULL DEFAULT '{}',
    seeded_at timestamptz NOT NULL DEFAULT now()
)
"""


def base_url() -> str:
    """The environment's database URL, or the embedded server's (started if needed)."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return url
    sys.path.insert(0, str(ROOT))
    from zhenhai import local_services

    return local_services.database_url()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def bench_name(scale: str) -> str:
    """``zhenhai_bench_<scale>``; ``BENCH_DATABASE_PREFIX`` gives a run databases of its own (two
    people adding cases side by side)."""
    return f"{os.environ.get('BENCH_DATABASE_PREFIX', 'zhenhai_bench')}_{scale}"


def bench_url(scale: str, base: str | None = None) -> str:
    return with_database(base or base_url(), bench_name(scale))


def libpq(url: str) -> str:
    """A libpq connection string for psycopg (it reads postgres:// URIs, host=/socket included)."""
    return url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url


def connect(url: str, **kwargs) -> psycopg.Connection:
    """A psycopg connection that never prepares statements on its own (psycopg does after five runs
    of the same text; Django never does): the bare side of a comparison plans every query, as the page
    does."""
    conn = psycopg.connect(libpq(url), **kwargs)
    conn.prepare_threshold = None
    return conn


def database_exists(url: str) -> bool:
    name = urlsplit(url).path.lstrip("/")
    with connect(with_database(url, "postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def create_database(url: str, *, drop: bool = False) -> None:
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with connect(with_database(url, "postgres"), autocommit=True) as conn:
        if drop:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def markers(url: str) -> dict[str, dict]:
    """What each seeder recorded in this database (empty when nothing is seeded yet)."""
    with connect(url, autocommit=True) as conn:
        conn.execute(MARKER_DDL)
        rows = conn.execute("SELECT name, scale, version, anchor, seconds, rows, seeded_at FROM bench_seed").fetchall()
    return {
        name: {"scale": scale, "version": version, "anchor": anchor, "seconds": seconds, "rows": rows, "at": at}
        for name, scale, version, anchor, seconds, rows, at in rows
    }


def mark(conn: psycopg.Connection, *, name: str, scale: str, version: int, anchor, seconds: float, rows: dict) -> None:
    conn.execute(MARKER_DDL)
    conn.execute(
        """
        INSERT INTO bench_seed (name, scale, version, anchor, seconds, rows, seeded_at)
        VALUES (%s, %s, %s, %s, %s, %s, now())
        ON CONFLICT (name) DO UPDATE SET scale = EXCLUDED.scale, version = EXCLUDED.version,
            anchor = EXCLUDED.anchor, seconds = EXCLUDED.seconds, rows = EXCLUDED.rows, seeded_at = now()
        """,
        [name, scale, version, anchor, seconds, json.dumps(rows)],
    )


def manage(url: str, *args: str, env: dict | None = None, quiet: bool = False) -> subprocess.CompletedProcess:
    """Run ``manage.py`` against the bench database (developer settings, DEBUG off)."""
    full_env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", **(env or {})}
    full_env.pop("DJANGO_ENV", None)
    return subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=full_env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def facts(url: str) -> dict:
    """Machine and data facts recorded beside the results."""
    with connect(url, autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        counts = {}
        for table in ("petitions_petition", "petitions_deadline", "petitions_event", "petitions_evaluation"):
            counts[table] = conn.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table]
            ).fetchone()[0]
        open_items = conn.execute(
            "SELECT count(*) FROM petitions_petition WHERE status IN ('new', 'assigned', 'accepted', 'waiting')"
        ).fetchone()[0]
        settings = dict(
            conn.execute(
                "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name = ANY(%s)",
                [["shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather"]],
            ).fetchall()
        )
    return {
        "postgresql": version,
        "database_bytes": size,
        "database_size": f"{size / 2**30:.1f} GiB",
        "rows_estimated": counts,
        "open_petitions": open_items,
        "pg_settings": settings,
    }
