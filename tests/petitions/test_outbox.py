"""The outbox under a broker outage, with a real Redis that the test stops and starts again.

Filing a petition records its notification in the outbox in the same transaction and tries once,
after commit, to publish the delivery task. With Redis down that try fails fast and the row waits;
when Redis is back, a kick (or beat's ``outbox_deliver``) has the worker deliver it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from core import outbox
from core.models import Notification, OutboxMessage
from grids.roles import Role
from petitions import notifications
from tests.conftest import StoppableRedis, _database_url, redis_dir
from tests.grids import factories as grid_factories
from tests.petitions import factories
from tests.petitions.test_sweeps import migration_data_restored  # noqa: F401 (a fixture)


def _worker_database_url() -> str:
    """The test database for a worker process; the embedded server's socket is in OPTIONS."""
    settings_dict = dict(connection.settings_dict)
    options = settings_dict.get("OPTIONS") or {}
    settings_dict["HOST"] = settings_dict.get("HOST") or options.get("host", "")
    settings_dict["PORT"] = settings_dict.get("PORT") or options.get("port", "")
    return _database_url(settings_dict)


def _point_celery_at(url: str) -> None:
    """Make this process publish to ``url``, dropping pooled connections to the old broker."""
    from zhenhai.celery import app

    app.conf.broker_url = url
    app._pool = None  # kombu keeps one pool per broker URL; these are this app's handles on them
    app.amqp._producer_pool = None
    with contextlib.suppress(AttributeError):
        del app.control.mailbox.producer_pool


@pytest.fixture
def own_broker(settings):
    """A real Redis of the test's own as the broker of this process, and a real worker on it."""
    server = StoppableRedis(redis_dir(), tcp=True)
    from zhenhai.celery import app

    original = app.conf.broker_url
    settings.OUTBOX_KICK_ON_COMMIT = True
    settings.CELERY_BROKER_URL = server.url_for(0)
    _point_celery_at(server.url_for(0))
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_worker_database_url(),
        REDIS_URL=server.url_for(1),
        CELERY_BROKER_URL=server.url_for(0),
        CELERY_QUEUE=queue,
        DJANGO_SETTINGS_MODULE="zhenhai.settings_test",
    )
    log = open(Path(settings.BASE_DIR) / "var" / "test-worker-outbox.log", "w")  # noqa: SIM115
    hostname = f"outbox-{os.getpid()}@%h"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "zhenhai", "worker", "--pool=solo", "--loglevel=WARNING"]
        + ["-Q", queue, "-n", hostname, "--without-mingle", "--without-gossip"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        _wait_for_worker(worker, hostname.split("@")[0])
        yield server
    finally:
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        server.close()
        _point_celery_at(original)


def _wait_for_worker(worker: subprocess.Popen, name: str) -> None:
    from zhenhai.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError("the Celery worker exited during start-up")
        replies = app.control.ping(timeout=0.5) or []
        if any(n.startswith(name) for reply in replies for n in reply):
            return
    raise RuntimeError("the Celery worker did not answer a ping within 60 s")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_data_restored")
def test_filing_survives_a_redis_outage_and_is_delivered_when_redis_is_back(tree, own_broker, caplog):
    staff = grid_factories.user(role=Role.COMMUNITY_STAFF, region=tree.community_a)
    own_broker.kill()

    caplog.set_level(logging.WARNING, logger="core.outbox")
    started = time.monotonic()
    petition = factories.petition(region=tree.grid_a)
    took = time.monotonic() - started

    assert took < 2, f"filing took {took:.2f} s with Redis down"
    assert "could not publish" in caplog.text  # it did try, after commit, and gave up at once
    message = OutboxMessage.objects.get(topic="petition", payload__petition=petition.pk, payload__event="filed")
    assert message.delivered_at is None
    assert not Notification.objects.filter(user=staff).exists()

    own_broker.start()  # same port: the worker reconnects, this process publishes again
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        outbox.kick()
        message.refresh_from_db()
        if message.delivered_at is not None:
            break
        time.sleep(1)

    assert message.delivered_at is not None, "the worker never delivered the waiting message"
    notice = Notification.objects.get(user=staff, message=message)
    assert petition.tracking_code in notice.headline


@pytest.mark.django_db
def test_delivering_a_message_twice_notifies_once(tree):
    staff = grid_factories.user(role=Role.COMMUNITY_STAFF, region=tree.community_a)
    other = grid_factories.user(role=Role.COMMUNITY_STAFF, region=tree.community_a)
    petition = factories.petition(region=tree.grid_a)
    message = OutboxMessage.objects.get(topic="petition", payload__petition=petition.pk, payload__event="filed")

    assert outbox.deliver() >= 1
    message.refresh_from_db()
    assert message.delivered_at is not None and message.attempts == 1
    # A crash between handling and marking delivered: the message goes out again.
    OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=None)
    assert outbox.deliver() >= 1
    notifications.deliver(message)

    assert Notification.objects.filter(message=message).count() == 2
    assert sorted(Notification.objects.filter(message=message).values_list("user_id", flat=True)) == sorted(
        [staff.pk, other.pk]
    )
    message.refresh_from_db()
    assert message.delivered_at is not None and message.attempts == 2


@pytest.mark.django_db
def test_an_undeliverable_message_waits_with_its_error(tree, monkeypatch):
    petition = factories.petition(region=tree.grid_a)
    message = OutboxMessage.objects.get(topic="petition", payload__petition=petition.pk, payload__event="filed")

    def broken(msg):
        raise RuntimeError("mail server on fire")

    monkeypatch.setitem(outbox._handlers, "petition", broken)
    outbox.deliver()
    message.refresh_from_db()
    assert message.delivered_at is None and "mail server on fire" in message.last_error

    monkeypatch.setitem(outbox._handlers, "petition", notifications.deliver)
    outbox.deliver()
    message.refresh_from_db()
    assert message.delivered_at is not None and message.last_error == ""


class _CountedTask:
    """The real delivery task, with every publish from this process counted."""

    def __init__(self, task) -> None:
        self.task, self.published = task, 0

    def apply_async(self, **kwargs):
        self.published += 1
        return self.task.apply_async(**kwargs)


@contextlib.contextmanager
def _worker_paused(worker: str):
    """The real worker stops taking tasks from the queue (they wait there) until the block ends."""
    from django.conf import settings

    from zhenhai.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    app.control.cancel_consumer(queue, destination=[worker], reply=True, timeout=10)
    time.sleep(1.5)  # a read of the queue already waiting on the broker (1 s) ends first
    try:
        yield
    finally:
        app.control.add_consumer(queue, destination=[worker], reply=True, timeout=10)


def _delivered(*messages: OutboxMessage, within: float = 60) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not OutboxMessage.objects.filter(pk__in=[m.pk for m in messages], delivered_at__isnull=True).exists():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_data_restored")
def test_kicks_are_coalesced_and_every_filing_is_delivered(tree, celery_worker_process, settings, monkeypatch):
    """Filings in a row while the published task waits publish nothing more, and that task delivers
    them all; a filing after the task started (it cleared the flag) publishes again."""
    from django.core.cache import cache

    from core import tasks as core_tasks

    settings.OUTBOX_KICK_ON_COMMIT = True
    task = _CountedTask(core_tasks.outbox_deliver)
    monkeypatch.setattr(core_tasks, "outbox_deliver", task)
    cache.delete(outbox.KICK_FLAG)

    def filed(petition) -> OutboxMessage:
        return OutboxMessage.objects.get(topic="petition", payload__petition=petition.pk, payload__event="filed")

    try:
        with _worker_paused(celery_worker_process):
            first = filed(factories.petition(region=tree.grid_a))
            second = filed(factories.petition(region=tree.grid_a))
            assert task.published == 1
            time.sleep(0.5)
            assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 2  # the task waits
        assert _delivered(first, second), "the one task did not deliver both filings"
        assert task.published == 1
        assert cache.get(outbox.KICK_FLAG) is None  # the task cleared it before reading

        with _worker_paused(celery_worker_process):
            third = filed(factories.petition(region=tree.grid_a))
            assert task.published == 2
        deadline = time.monotonic() + 60
        while cache.get(outbox.KICK_FLAG) is not None and time.monotonic() < deadline:
            time.sleep(0.05)  # the task has started: it cleared the flag before reading
        fourth = filed(factories.petition(region=tree.grid_a))
        assert task.published == 3
        assert _delivered(third, fourth), "a filing after the task started was not delivered"
    finally:
        cache.delete(outbox.KICK_FLAG)
