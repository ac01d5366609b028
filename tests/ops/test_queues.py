"""Work that cannot starve: tasks routed to queues by kind, a worker per queue, one acting beat."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone, translation

from exports import forms, services
from exports.models import Status
from grids.roles import Role
from petitions import tasks as petition_tasks
from petitions.models import Level
from tests.exports.helpers import item
from tests.exports.worker import ExportWorker, purge, wait_until
from tests.grids import factories as grid_factories
from tests.petitions.test_sweeps import _due, _file, migration_data_restored  # noqa: F401 (a fixture)
from zhenhai import beat, queues
from zhenhai.celery import app


@pytest.fixture
def split_queues(settings):
    """Each kind on a queue of this test session's own (the settings production uses, renamed)."""
    base = settings.CELERY_TASK_DEFAULT_QUEUE
    names = {kind: f"{base}-{kind}" for kind in ("sweeps", "notifications", "exports")}
    for name in names.values():
        purge(name)
    settings.CELERY_WORK_QUEUES = names
    settings.EXPORT_QUEUE = names["exports"]
    return names


def test_the_scheduled_tasks_have_a_kind_and_every_routed_task_exists(settings):
    # Every scheduled task has a kind, so it runs on its own queue's worker in production.
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(settings.CELERY_TASK_KINDS)
    assert set(settings.CELERY_TASK_KINDS.values()) == {"sweeps", "notifications", "exports"}
    app.loader.import_default_modules()
    assert set(settings.CELERY_TASK_KINDS) <= set(app.tasks)  # a renamed task would silently lose its queue


def test_tasks_are_routed_by_kind(split_queues):
    router = app.amqp.router
    assert router.route({}, "petitions.tasks.sweep")["queue"].name == split_queues["sweeps"]
    assert router.route({}, "core.tasks.outbox_deliver")["queue"].name == split_queues["notifications"]
    assert router.route({}, "exports.tasks.run")["queue"].name == split_queues["exports"]
    assert queues.queue_for("some.other.task") is None  # the default queue


def test_tasks_are_acknowledged_late_and_requeued_when_their_worker_dies(settings):
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1  # a busy worker holds no second task


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_data_restored")
def test_a_long_export_does_not_delay_the_sweep(tree, split_queues, tmp_path, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 5
    settings.EXPORT_DIR = str(tmp_path)
    staff = grid_factories.user(role=Role.DISTRICT_STAFF, region=tree.district)
    for n in range(40):
        item(tree.grid_a if n % 2 else tree.grid_b, n)
    overdue = _file(tree.grid_a, 999)
    _due(overdue)
    # 40 rows, 2 per chunk, 0.3 s after each: an export of six seconds or more.
    exporter = ExportWorker(
        queue=split_queues["exports"], export_dir=tmp_path, EXPORT_CHUNK_ROWS="2", EXPORT_CHUNK_DELAY="0.3"
    )
    sweeper = ExportWorker(queue=split_queues["sweeps"], export_dir=tmp_path)
    exporter.start()
    sweeper.start()
    try:
        today = timezone.localdate().isoformat()
        data = {"region": [str(tree.district.pk)], "start": [today], "end": [today]}
        params = forms.parse_params(user=staff, kind="satisfaction", data=data)
        with translation.override("en"):
            job = services.export_start(user=staff, params=params, format="csv").job

        def running():
            job.refresh_from_db()
            return job.status == Status.RUNNING

        wait_until(running, timeout=60, what="the export worker to start the job")
        petition_tasks.sweep.delay()  # routed to the sweeps queue

        def escalated():
            overdue.refresh_from_db()
            return overdue.escalation_count

        wait_until(escalated, timeout=30, every=0.05, what="the sweep to escalate the overdue item")
        job.refresh_from_db()
        assert job.status == Status.RUNNING, "the sweep ran only after the export: the queues are not separate"
        assert overdue.level == Level.STREET

        def finished():
            job.refresh_from_db()
            return job.status == Status.DONE

        wait_until(finished, timeout=90, what="the export to finish")
        assert job.progress_rows == job.total_rows >= 40
    finally:
        exporter.stop()
        sweeper.stop()


class RecordingScheduler(beat.LockedScheduler):
    """Records what it would send instead of publishing it."""

    def __init__(self, *args, **kwargs) -> None:
        self.sent: list[str] = []
        super().__init__(*args, **kwargs)

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        self.sent.append(entry.task)
        return None


def _scheduler(tmp_path, name: str) -> RecordingScheduler:
    return RecordingScheduler(app=app, schedule_filename=str(tmp_path / name), lazy=False)


@pytest.fixture
def beat_lock(monkeypatch, tmp_path):
    """A lock name of the test's own, so no other beat (or test session) shares it."""
    monkeypatch.setattr(beat, "lock_name", lambda: f"zhenhai-test-beat-lock-{tmp_path.name}")


@pytest.fixture
def quick_schedule(settings):
    previous = app.conf.beat_schedule
    app.conf.beat_schedule = {"heartbeat": {"task": "core.tasks.heartbeat", "schedule": 0.1}}
    yield
    app.conf.beat_schedule = previous


@pytest.mark.usefixtures("beat_lock", "quick_schedule")
def test_only_one_of_two_beats_sends_and_the_other_takes_over_when_it_stops(tmp_path, settings):
    settings.BEAT_LOCK_SECONDS = 2
    first, second = _scheduler(tmp_path, "one"), _scheduler(tmp_path, "two")
    try:
        for _ in range(3):
            first.tick()
            second.tick()
            time.sleep(0.15)
        assert first.holds_lock and not second.holds_lock
        assert "core.tasks.heartbeat" in first.sent and second.sent == []

        first.close()  # a clean stop releases the lock at once
        second.tick()
        time.sleep(0.15)
        second.tick()
        assert second.holds_lock and "core.tasks.heartbeat" in second.sent
    finally:
        first.close()
        second.close()


@pytest.mark.usefixtures("beat_lock")
def test_a_dead_beats_lock_expires_and_another_takes_over(tmp_path, settings):
    settings.BEAT_LOCK_SECONDS = 1
    dead, other = _scheduler(tmp_path, "dead"), _scheduler(tmp_path, "other")
    try:
        assert dead.acquire_or_renew()
        assert not other.acquire_or_renew()
        # The holder dies without releasing (SIGKILL): nothing renews the lock any more.
        time.sleep(1.2)
        assert other.acquire_or_renew()
        assert not dead.acquire_or_renew()  # a holder that lost the lock knows it
    finally:
        other.close()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_data_restored")
def test_a_worker_killed_mid_sweep_leaves_nothing_half_done_and_the_next_sweep_escalates_once(
    tree, split_queues, tmp_path
):
    from core.backup import Target
    from core.models import OutboxMessage
    from petitions.models import Event

    overdue = [_file(tree.grid_a if n % 2 else tree.grid_b, n) for n in range(12)]
    for petition in overdue:
        _due(petition)
    sweeper = ExportWorker(queue=split_queues["sweeps"], export_dir=tmp_path)
    sweeper.start()
    target = Target.from_settings()
    try:
        # Hold one deadline row: the sweep's statement blocks on it half-way through its updates.
        with target.connect() as blocker, target.connect(autocommit=True) as watcher:
            blocker.execute("SELECT 1 FROM petitions_deadline WHERE petition_id = %s FOR UPDATE", [overdue[-1].pk])
            petition_tasks.sweep.delay()

            def sweep_blocked():
                return watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%%UPDATE petitions_deadline d SET breached_at%%'"
                ).fetchone()[0]

            wait_until(sweep_blocked, timeout=30, what="the sweep to block mid-statement")
            sweeper.kill()  # SIGKILL in the middle of the sweep's transaction
            blocker.rollback()
            # The orphaned statement finishes, cannot reach its client and is never committed.
            wait_until(lambda: not sweep_blocked(), timeout=30, what="the orphaned statement to end")
            time.sleep(0.5)
    finally:
        sweeper.stop()
    pks = [p.pk for p in overdue]
    assert _escalations(pks) == [0] * len(pks)
    assert not Event.objects.filter(petition__in=pks, kind=Event.Kind.ESCALATION).exists()
    assert not OutboxMessage.objects.filter(topic="petition", payload__event="escalated").exists()

    # The next sweep (beat sends one every two minutes) does all of it, once.
    sweeper.start()
    try:
        petition_tasks.sweep.delay()
        wait_until(lambda: _escalations(pks) == [1] * len(pks), timeout=30, what="the next sweep")
        petition_tasks.sweep.delay()  # and one more changes nothing
        time.sleep(1.5)
    finally:
        sweeper.stop()
    assert _escalations(pks) == [1] * len(pks)
    assert Event.objects.filter(petition__in=pks, kind=Event.Kind.ESCALATION).count() == len(pks)
    assert OutboxMessage.objects.filter(topic="petition", payload__event="escalated").count() == len(pks)


def _escalations(pks: list[int]) -> list[int]:
    from petitions.models import Petition

    return list(Petition.objects.filter(pk__in=pks).order_by("pk").values_list("escalation_count", flat=True))


@pytest.mark.usefixtures("beat_lock")
def test_beat_waits_out_a_redis_restart_and_takes_the_lock_again(tmp_path, settings):
    import shutil
    import tempfile
    from pathlib import Path

    from tests.conftest import StoppableRedis

    directory = Path(tempfile.mkdtemp(prefix="zh-beat-redis-", dir="/tmp"))
    redis_server = StoppableRedis(directory)
    settings.REDIS_URL = redis_server.url
    scheduler = _scheduler(tmp_path, "restart")
    try:
        assert scheduler.acquire_or_renew()
        redis_server.stop()
        assert scheduler.acquire_or_renew() is False  # no exception: beat keeps running and waits
        assert scheduler.tick() == settings.BEAT_LOCK_RETRY_SECONDS and scheduler.sent == []
        redis_server = StoppableRedis(directory)  # back, empty (no persistence), same address
        assert scheduler.acquire_or_renew()
    finally:
        scheduler.close()
        redis_server.stop()
        shutil.rmtree(directory, ignore_errors=True)
