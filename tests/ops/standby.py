"""A PostgreSQL primary and its streaming standby, started by the test harness from the machine's
binaries: ``initdb`` a primary on a free loopback port, ``pg_basebackup -R`` a standby from it on
another. PostgreSQL refuses to run as root, so as root the servers run as the ``postgres`` user."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def bin_dir() -> Path | None:
    """The newest PostgreSQL server binaries on the machine (Debian's layout), or None."""
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*/bin") if (p / "initdb").exists()), key=lambda p: int(p.parent.name))
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresPair:
    def __init__(self) -> None:
        self.bin = bin_dir()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.root = Path(tempfile.mkdtemp(prefix="zh-standby-", dir="/tmp"))
        self.primary_port, self.standby_port = _free_port(), _free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, cwd=self.root)

    @property
    def primary_dir(self) -> Path:
        return self.root / "primary"

    @property
    def standby_dir(self) -> Path:
        return self.root / "standby"

    def url(self, port: int, name: str = "zhenhai") -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{name}"

    def start(self) -> None:
        self.start_primary()
        self.start_standby_from_primary()

    def start_primary(self) -> None:
        self._run("initdb", "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        settings = (
            f"port = {self.primary_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
            "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n"
            "shared_buffers = 32MB\nmax_connections = 40\n"
            # pg_stat_activity keeps whole statements (an export's COPY is longer than the 1 kB default),
            # so tests can ask a server which session ran one; the standby inherits it.
            "track_activity_query_size = 32768\n"
        )
        with (self.primary_dir / "postgresql.auto.conf").open("a") as conf:
            conf.write(settings)
        self._run("pg_ctl", "-D", str(self.primary_dir), "-l", str(self.root / "primary.log"), "-w", "start")
        with psycopg.connect(self.url(self.primary_port, "postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE zhenhai")

    def start_standby_from_primary(self) -> None:
        self._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary_port),
            "-U",
            "postgres",
            "-D",
            str(self.standby_dir),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        with (self.standby_dir / "postgresql.auto.conf").open("a") as conf:
            # hot_standby_feedback: a long export read on the standby is not cancelled when replay
            # meets the primary's vacuum of rows it still reads (docs/scaling.md).
            conf.write(f"port = {self.standby_port}\nhot_standby_feedback = on\n")
        self.start_standby()

    def start_standby(self) -> None:
        self._run("pg_ctl", "-D", str(self.standby_dir), "-l", str(self.root / "standby.log"), "-w", "start")
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.url(self.standby_port), autocommit=True, connect_timeout=2) as conn:
                    if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                        return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)

    def stop_standby(self) -> None:
        self._run("pg_ctl", "-D", str(self.standby_dir), "-m", "fast", "-w", "stop", check=False)

    def standby(self) -> psycopg.Connection:
        return psycopg.connect(self.url(self.standby_port), autocommit=True)

    def caught_up(self, timeout: float = 30) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        with psycopg.connect(self.url(self.primary_port), autocommit=True) as conn:
            target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        with self.standby() as conn:
            while not conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise TimeoutError("the standby did not catch up")
                time.sleep(0.1)

    def stop_primary(self) -> None:
        self._run("pg_ctl", "-D", str(self.primary_dir), "-m", "fast", "-w", "stop")

    def start_primary_again(self) -> None:
        self._run("pg_ctl", "-D", str(self.primary_dir), "-l", str(self.root / "primary.log"), "-w", "start")

    def stop(self) -> None:
        if self.standby_dir.exists():
            self.stop_standby()
        self._run("pg_ctl", "-D", str(self.primary_dir), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
