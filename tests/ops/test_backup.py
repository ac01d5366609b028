"""Backups that restore: demo data backed up, restored into a fresh database, proven equal."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
from urllib.parse import urlencode

import psycopg
import pytest
from django.core.management import CommandError, call_command
from psycopg import sql

from core import backup

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fresh_database():
    """An empty database beside the test database, dropped afterwards."""
    source = backup.Target.from_settings()
    name = f"{source.name}_restore"
    admin = backup.Target(
        name="postgres", host=source.host, port=source.port, user=source.user, password=source.password
    )
    with admin.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield backup.Target(name=name, host=source.host, port=source.port, user=source.user, password=source.password)
    with admin.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def client_tools():
    """pg_dump and pg_restore of the server's major version; outside CI the test skips saying why when
    the machine has none (CI must have them)."""
    try:
        return backup.client_tools()
    except backup.BackupError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))


def _fake_tool(folder, name: str, version: str):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _rows(conn: psycopg.Connection, query: str) -> list[tuple]:
    conn.execute("SET TimeZone = 'UTC'")
    return conn.execute(query).fetchall()


def _audit_tables(conn: psycopg.Connection) -> list[str]:
    """pghistory's event tables (they carry pgh_id) and its context table."""
    return [
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND (column_name = 'pgh_id' OR table_name = 'pghistory_context') ORDER BY 1"
        )
    ]


def test_demo_data_backed_up_and_restored_into_a_fresh_database_is_equal(
    tmp_path, settings, fresh_database, client_tools
):
    call_command("seed_demo", stdout=io.StringIO())
    media = tmp_path / "media"
    (media / "petitions" / "public").mkdir(parents=True)
    (media / "petitions" / "public" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    settings.MEDIA_ROOT = media
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"]["petitions_petition"]["rows"] > 0
    assert manifest["tables"]["petitions_event"]["rows"] > 0
    assert manifest["media_files"] == 1

    restored_media = tmp_path / "restored-media"
    target = fresh_database
    # A socket folder (the embedded server) goes in the query string, as zhenhai.local_services writes it.
    where = urlencode({"host": target.host, "port": target.port})
    url = f"postgres://{target.user or 'postgres'}@/{target.name}?{where}"
    call_command("restore", str(folder), "--database-url", url, "--media-root", str(restored_media), stdout=out)
    assert "checksum match the manifest" in out.getvalue()
    assert (restored_media / "petitions" / "public" / "photo.jpg").read_bytes() == b"\xff\xd8 a photo"

    source = backup.Target.from_settings()
    with source.connect() as before, fresh_database.connect() as after:
        tables = [r[0] for r in _rows(before, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        assert len(tables) == len(manifest["tables"]) > 40
        for table in tables:  # every table's row count, counted here rather than taken from the manifest
            count = f"SELECT count(*) FROM {table}"  # noqa: S608 (catalogue names)
            assert _rows(before, count) == _rows(after, count), table
        audit = _audit_tables(before)
        assert "petitions_petitionaudit" in audit and "pghistory_context" in audit
        for table in audit:  # the audit trail, row for row in its order
            order = "id" if table == "pghistory_context" else "pgh_id"
            query = f"SELECT t::text FROM {table} t ORDER BY {order}"  # noqa: S608
            assert _rows(before, query) == _rows(after, query), table
        timeline = (
            "SELECT petition_id, id, kind, action, from_status, to_status, text, data::text, created_at "
            "FROM petitions_event ORDER BY petition_id, id"
        )
        assert _rows(before, timeline) == _rows(after, timeline)
        # The restored database keeps working: its sequences continue after the restored rows.
        assert _rows(before, "SELECT last_value FROM petitions_petition_id_seq") == _rows(
            after, "SELECT last_value FROM petitions_petition_id_seq"
        )
        # …and its audit triggers came back with it.
        triggers = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"
        assert _rows(before, triggers) == _rows(after, triggers) != []


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, settings, client_tools):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = backup.backup(output=tmp_path)
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(folder=folder, media_root=tmp_path / "elsewhere")


def test_a_damaged_backup_is_refused_before_anything_is_restored(tmp_path, settings, fresh_database, client_tools):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = backup.backup(output=tmp_path)
    with (folder / backup.DUMP).open("r+b") as dump:
        dump.seek(100)
        dump.write(b"\x00garbage")
    with pytest.raises(backup.BackupError, match="checksum"):
        backup.restore(folder=folder, target=fresh_database, media_root=tmp_path / "restored")
    with fresh_database.connect() as conn:
        assert _rows(conn, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def test_the_checksum_notices_a_changed_row():
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user_model.objects.create(username="checksum-probe")
    table = user_model._meta.db_table
    with backup.Target.from_settings().connect() as conn:
        before = backup.table_stats(conn)
        conn.execute(f"UPDATE {table} SET first_name = 'changed' WHERE username = 'checksum-probe'")  # noqa: S608
        after = backup.table_stats(conn)
        conn.rollback()
    assert before[table]["rows"] == after[table]["rows"] == 1
    # The changed row, and the audit row its database trigger wrote.
    assert backup.compare(before, after) == [
        f"{table}: 1 rows in the backup, 1 restored (or rows differ)",
        f"{table}event: 1 rows in the backup, 2 restored (or rows differ)",
    ]
    assert backup.compare(before, before) == []


def test_the_client_tools_match_the_server_s_major_version(client_tools):
    with backup.Target.from_settings().connect() as conn:
        major = backup.server_major(conn)
    for path in client_tools.values():
        version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
        assert f"(PostgreSQL) {major}." in version


def test_a_client_tool_of_another_major_version_is_passed_over_for_a_matching_one(tmp_path, settings, monkeypatch):
    settings.POSTGRES_BIN_DIR = str(tmp_path / "configured")
    _fake_tool(tmp_path / "configured", "pg_dump", "15.20")
    monkeypatch.setenv("PATH", str(tmp_path / "on-path"))
    # No tool of version 99 exists: the configured one (15) is refused and the message names it.
    refused = r"no pg_dump for PostgreSQL 99 .*configured/pg_dump \(PostgreSQL 15\)"
    with pytest.raises(backup.BackupError, match=refused):
        backup.tool("pg_dump", 99)
    # One of version 99 on PATH is used: PATH's tools are a fallback only when their major version matches.
    matching = _fake_tool(tmp_path / "on-path", "pg_dump", "99.1")
    assert backup.tool("pg_dump", 99) == str(matching)


def test_manage_py_backup_fails_with_a_clear_message_and_writes_nothing_when_no_client_matches(tmp_path, monkeypatch):
    stale = _fake_tool(tmp_path / "old", "pg_dump", "9.6.24")
    monkeypatch.setattr(backup, "tool_candidates", lambda name, major: [stale])
    with backup.Target.from_settings().connect() as conn:
        major = backup.server_major(conn)
    with pytest.raises(CommandError) as failure:
        call_command("backup", "--output", str(tmp_path / "backups"), stdout=io.StringIO())
    assert str(failure.value) == (
        f"no pg_dump for PostgreSQL {major} (the server's version); found only {stale} (PostgreSQL 9): "
        f"install postgresql-client-{major} or set POSTGRES_BIN_DIR to the bin folder of PostgreSQL {major}."
    )
    assert not (tmp_path / "backups").exists()
