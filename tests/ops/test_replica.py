"""The read replica against a real streaming standby started here (``pg_basebackup -R``).

The portal's routing runs in a process of its own (tests/ops/replica_probe.py) whose settings
name the harness's primary and standby, as a deployment's would."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

from core import replica
from tests.ops.standby import PostgresPair, bin_dir


@pytest.fixture(scope="module")
def pair():
    if bin_dir() is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs PostgreSQL's server binaries under /usr/lib/postgresql for the standby test")
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql to start a standby from")
    servers = PostgresPair()
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


def _portal(pair: PostgresPair, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="zhenhai.settings_test",
        DATABASE_URL=pair.url(pair.primary_port),
        DATABASE_REPLICA_URL=pair.url(pair.standby_port),
        REDIS_URL=settings.REDIS_URL,
        REPLICA_MAX_LAG_SECONDS="1",
        REPLICA_CHECK_SECONDS="0",
        ZH_TEST_SLOT="replica",
    )
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=600
    )


def test_reads_follow_the_standby_writes_the_primary_and_lag_or_loss_falls_back(pair):
    migrated = _portal(pair, "manage.py", "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr[-3000:]

    up = _portal(pair, "-m", "tests.ops.replica_probe", "up")
    assert up.returncode == 0 and "OK up" in up.stdout, up.stdout[-3000:] + up.stderr[-5000:]

    pair.stop_standby()
    down = _portal(pair, "-m", "tests.ops.replica_probe", "down")
    assert down.returncode == 0 and "OK down" in down.stdout, down.stdout[-3000:] + down.stderr[-5000:]


def test_without_a_replica_nothing_is_routed(settings):
    assert "replica" not in settings.DATABASES or settings.DATABASES["replica"]["TEST"] == {"MIRROR": "default"}
    assert "core.replica.ReplicaMiddleware" not in settings.MIDDLEWARE or settings.DATABASE_REPLICA_URL
    assert replica.configured() == bool(settings.DATABASE_REPLICA_URL)


@pytest.fixture
def routed(settings, monkeypatch):
    """The router installed, with a standby that is (by default) fresh; no standby is asked."""
    settings.DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
    state = {"fresh": True}
    monkeypatch.setattr(replica, "standby_fresh", lambda: state["fresh"])
    return state


def _middleware(view):
    return replica.ReplicaMiddleware(view)


@pytest.mark.django_db(transaction=True)  # the router reads the primary inside any transaction
def test_the_middleware_makes_report_and_status_reads_eligible_and_pins_after_a_write(routed, rf):
    from grids.models import Region
    from tests.grids import factories

    seen = {}

    def reading(request):
        seen["db"] = Region.objects.all().db
        from django.http import HttpResponse

        return HttpResponse("ok")

    def writing(request):
        factories.region(name="新区")
        seen["db"] = Region.objects.all().db
        from django.http import HttpResponse

        return HttpResponse("ok")

    response = _middleware(reading)(rf.get("/reports/"))
    assert seen["db"] == "replica" and replica.PIN_COOKIE not in response.cookies
    _middleware(reading)(rf.get("/petitions/"))  # a staff page: always the primary
    assert seen["db"] == "default"

    response = _middleware(writing)(rf.post("/petitions/status/"))
    assert seen["db"] == "default"  # its own write, read back in the same request
    cookie = response.cookies[replica.PIN_COOKIE]
    assert cookie["max-age"] == settings.REPLICA_PIN_SECONDS and cookie["httponly"]

    pinned = rf.get("/reports/")
    pinned.COOKIES[replica.PIN_COOKIE] = "1"
    _middleware(reading)(pinned)
    assert seen["db"] == "default"

    routed["fresh"] = False  # lagging or gone
    _middleware(reading)(rf.get("/reports/"))
    assert seen["db"] == "default"


@pytest.mark.django_db(transaction=True)  # the router reads the primary inside any transaction
def test_reads_inside_a_transaction_and_writes_always_use_the_primary(routed):
    from django.db import router, transaction

    from grids.models import Region

    with replica.replica_reads():
        assert router.db_for_read(Region) == "replica"
        with transaction.atomic():
            assert router.db_for_read(Region) == "default"
    assert router.db_for_write(Region) == "default"
    assert router.allow_migrate("replica", "grids") is False and router.allow_migrate("default", "grids")
