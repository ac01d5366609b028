"""Run by tests/ops/test_replica.py in a process of its own, whose settings name a real primary
(DATABASE_URL) and its streaming standby (DATABASE_REPLICA_URL). Phase ``up`` checks the routing
while the standby runs and lags; phase ``down`` after the harness stopped it. Prints ``OK <phase>``."""

from __future__ import annotations

import contextlib
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhenhai.settings_test")
django.setup()

import psycopg  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from core import replica  # noqa: E402
from exports import forms as export_forms  # noqa: E402
from exports import selectors as export_selectors  # noqa: E402
from grids.models import Region  # noqa: E402
from grids.roles import Role  # noqa: E402
from petitions.models import Petition  # noqa: E402
from petitions.reference import ensure_categories  # noqa: E402
from reports.selectors import kpis_fresh  # noqa: E402
from tests.grids import factories as grid_factories  # noqa: E402
from tests.petitions import factories  # noqa: E402

STANDBY_URL = os.environ["DATABASE_REPLICA_URL"]


def petition_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if 'FROM "petitions_petition"' in q["sql"]]


def status_check(client: Client, petition: Petition, *, standby_up: bool = True) -> tuple[list, list, object]:
    data = {"code": petition.tracking_code, "phone_last4": "0001"}
    # Capturing connects; with the standby down only the primary is watched.
    watch_standby = CaptureQueriesContext(connections["replica"]) if standby_up else contextlib.nullcontext()
    with watch_standby as on_standby, CaptureQueriesContext(connections["default"]) as on_primary:
        response = client.post("/petitions/status/", data)
    assert response.status_code == 200, response.status_code
    assert petition.tracking_code in response.content.decode()
    return petition_queries(on_standby) if standby_up else [], petition_queries(on_primary), response


def report_and_export(staff, district) -> dict[str, list[str]]:
    """A report's set-based SQL (``kpis_fresh``, on a report page's replica-eligible context) and an
    export's rows (count, the chunked read a worker makes, the COPY stream the browser gets), each
    with the petition statements each database answered. Returns the figures read too."""
    today = timezone.localdate()
    database = export_selectors.rows_database()  # asked first: the lag probe is a query of its own
    data = {"region": [str(district.pk)], "start": [str(today)], "end": [str(today)]}
    spec = export_selectors.export_spec(
        user=staff, params=export_forms.parse_params(user=staff, kind="satisfaction", data=data)
    )
    with (
        CaptureQueriesContext(connections["replica"]) as on_standby,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        with replica.replica_reads():  # what a report page's request is (REPLICA_READ_PATHS)
            report = kpis_fresh(user=staff, region=district, start=today, end=today)
        counted = export_selectors.export_count(spec)
        chunked = [row for chunk in export_selectors.export_chunks(spec, hold=True) for row in chunk]
        copied = b"".join(data for data, _rows in export_selectors.csv_pieces(spec))

    def petition_sql(captured):
        return [q["sql"] for q in captured.captured_queries if "petitions_petition" in q["sql"]]

    return {
        "standby": petition_sql(on_standby),
        "primary": petition_sql(on_primary),
        "collected": report.total.collected,
        "counted": counted,
        "chunked": len(chunked),
        "copied": copied.count(b"\n") - 1,  # less the header
        "database": database,
    }


def copy_ran_on(url: str, marker: str) -> bool:
    """Whether a session of this server last ran the export's COPY (its text holds ``marker``): the
    COPY goes through the driver's own cursor, which Django's query capture does not see. Call it
    right after the export: the session's next statement replaces what pg_stat_activity shows."""
    with psycopg.connect(url, autocommit=True) as conn:
        return bool(
            conn.execute(
                "SELECT 1 FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND query LIKE 'COPY (%%' AND position(%s in query) > 0",
                [marker],
            ).fetchone()
        )


def last_statements(url: str) -> list[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT left(query, 120) FROM pg_stat_activity WHERE backend_type = 'client backend'")
        return [row[0] for row in rows]


def wait_for(check, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def on_standby(pk: int) -> bool:
    with psycopg.connect(STANDBY_URL, autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM petitions_petition WHERE id = %s", [pk]).fetchone())


def up() -> None:
    ensure_categories()
    district = grid_factories.region(name="镇海区")
    street = grid_factories.region(parent=district)
    compound = grid_factories.region(parent=grid_factories.region(parent=street))
    grid = grid_factories.region(parent=compound)
    petition = factories.petition(region=grid, phone="13912340001")
    wait_for(lambda: on_standby(petition.pk), "the standby to replay the new petition")
    replica.forget_probe()
    assert replica.lag() == 0

    # Outside a replica-eligible context every read is the primary's.
    assert Petition.objects.all().db == "default"
    # Inside one, reads come from the standby, and really are answered by it.
    with replica.replica_reads():
        assert Petition.objects.all().db == "replica"
        with CaptureQueriesContext(connections["replica"]) as captured:
            assert Petition.objects.get(pk=petition.pk).tracking_code == petition.tracking_code
        assert petition_queries(captured)
        # Read-your-own-writes: once the context writes, it reads from the primary.
        region = Region.objects.get(pk=district.pk)
        region.name = "镇海区（改）"
        region.save(update_fields=["name"])
        assert Region.objects.all().db == "default"
        assert Region.objects.get(pk=district.pk).name == "镇海区（改）"

    # Report figures and export rows are read on the standby, none of it on the primary.
    staff = grid_factories.user(role=Role.DISTRICT_STAFF, region=district)
    wait_for(lambda: replica.lag() == 0, "the standby to replay the staff member")
    replica.forget_probe()
    seen = report_and_export(staff, district)
    assert seen["database"] == "replica", seen
    assert seen["collected"] == seen["counted"] == seen["chunked"] == seen["copied"] == 1, seen
    # The report's aggregate, the count and the chunked read (DECLARE … CURSOR) ran on the standby.
    assert any("GROUP BY" in q for q in seen["standby"]), seen["standby"]
    assert any("DECLARE" in q.upper() for q in seen["standby"]), seen["standby"]
    assert not seen["primary"], seen["primary"]
    assert copy_ran_on(STANDBY_URL, district.path), last_statements(STANDBY_URL)
    assert not copy_ran_on(os.environ["DATABASE_URL"], district.path), last_statements(os.environ["DATABASE_URL"])

    # The public status page reads the item from the standby; no write, so no pin cookie.
    client = Client()
    standby_reads, primary_reads, response = status_check(client, petition)
    assert standby_reads and not primary_reads, (standby_reads, primary_reads)
    assert replica.PIN_COOKIE not in response.cookies
    # A caller who wrote recently (the pin cookie) reads from the primary.
    client.cookies[replica.PIN_COOKIE] = "1"
    standby_reads, primary_reads, _ = status_check(client, petition)
    assert primary_reads and not standby_reads, (standby_reads, primary_reads)

    # The standby falls behind (replay paused): past REPLICA_MAX_LAG_SECONDS reads go to the primary.
    with psycopg.connect(STANDBY_URL, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    try:
        late = factories.petition(region=grid, phone="13912340002", title="新的诉求")
        time.sleep(settings_lag() + 0.5)
        replica.forget_probe()
        assert replica.lag() > settings_lag()
        with replica.replica_reads():
            assert Petition.objects.all().db == "default"
            assert Petition.objects.filter(pk=late.pk).exists()
        standby_reads, primary_reads, _ = status_check(Client(), petition)
        assert primary_reads and not standby_reads
        # Reports and exports read the primary too, and so see the item the standby has not replayed.
        for alias in ("default", "replica"):
            connections[alias].close()  # fresh sessions: pg_stat_activity shows only this export's COPY
        seen = report_and_export(staff, district)
        assert seen["database"] == "default", seen
        assert seen["collected"] == seen["counted"] == seen["chunked"] == seen["copied"] == 2, seen
        assert any("GROUP BY" in q for q in seen["primary"]) and not seen["standby"], seen
        assert copy_ran_on(os.environ["DATABASE_URL"], district.path)
        assert not copy_ran_on(STANDBY_URL, district.path)
    finally:
        with psycopg.connect(STANDBY_URL, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
    wait_for(lambda: on_standby(late.pk), "the standby to catch up after replay resumed")
    replica.forget_probe()
    with replica.replica_reads():
        assert Petition.objects.all().db == "replica"
        assert Petition.objects.filter(pk=late.pk).exists()


def down() -> None:
    """The standby is stopped: reads fall back to the primary, the portal keeps answering."""
    replica.forget_probe()
    assert replica.lag() is None
    petition = Petition.objects.order_by("id").first()
    with replica.replica_reads():
        assert Petition.objects.all().db == "default"
    _, primary_reads, _ = status_check(Client(), petition, standby_up=False)
    assert primary_reads


def settings_lag() -> float:
    from django.conf import settings

    return settings.REPLICA_MAX_LAG_SECONDS


if __name__ == "__main__":
    phase = sys.argv[1]
    {"up": up, "down": down}[phase]()
    print(f"OK {phase}")
