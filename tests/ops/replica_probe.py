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

from core import replica  # noqa: E402
from grids.models import Region  # noqa: E402
from petitions.models import Petition  # noqa: E402
from petitions.reference import ensure_categories  # noqa: E402
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
