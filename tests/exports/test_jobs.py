"""Background jobs, run in this process: idempotent runs, a run that lost its job, the sweep, failures,
expiry. tests/exports/test_worker.py runs them on a real Celery worker, killed mid-way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError
from django.utils import timezone, translation

from core.models import PersonalDataReveal
from exports import forms, services
from exports.models import ExportJob, Format, Kind, Status
from grids.models import RoleAssignment
from grids.roles import Role
from tests.exports.helpers import item, read_csv, read_xlsx
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree):
    return grid_factories.user(role=Role.DISTRICT_STAFF, region=tree.district)


@pytest.fixture
def published(monkeypatch):
    """Record the jobs handed to the broker instead of publishing them."""
    sent = []
    monkeypatch.setattr(services, "publish", lambda job_id: sent.append(job_id) or True)
    return sent


def _queue(user, region, *, fmt=Format.CSV, reveal=False, settings=None) -> ExportJob:
    today = timezone.localdate().isoformat()
    data = {"region": [str(region.pk)], "start": [today], "end": [today]}
    params = forms.parse_params(user=user, kind=Kind.SATISFACTION, data=data)
    with translation.override("en"):
        started = services.export_start(user=user, params=params, format=fmt, reveal=reveal)
    assert started.stream is None and started.file is None, "expected a background job"
    return started.job


@pytest.fixture
def background(settings):
    settings.EXPORT_STREAM_MAX_ROWS = 1
    settings.EXPORT_CHUNK_ROWS = 2


def test_a_job_writes_its_file_once_and_a_second_run_is_a_no_op(tree, staff, background, export_dir):
    codes = {item(tree.grid_a, n).tracking_code for n in range(5)}
    job = _queue(staff, tree.district)
    assert (job.status, job.language) == (Status.QUEUED, "en")

    assert services.export_job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert (job.status, job.attempt, job.progress_rows, job.total_rows, job.percent) == (Status.DONE, 1, 5, 5, 100)
    assert job.expires_at - job.finished_at == dt.timedelta(hours=24)
    path = export_dir / job.file_name
    assert job.file_name == f"{job.pk}.csv" and job.file_size == path.stat().st_size
    rows = read_csv(path.read_bytes())
    assert rows[0][0] == "Tracking code" and {r[0] for r in rows[1:]} == codes
    assert sorted(p.name for p in export_dir.iterdir()) == [job.file_name]  # no temporary file left

    assert services.export_job_run(job_id=job.pk) == "skipped"
    job.refresh_from_db()
    assert (job.status, job.attempt) == (Status.DONE, 1)


def test_an_xlsx_job_reads_back(tree, staff, background, export_dir):
    for n in range(3):
        item(tree.grid_b, n)
    job = _queue(staff, tree.district, fmt=Format.XLSX)
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    rows = read_xlsx((export_dir / job.file_name).read_bytes())
    assert job.download_name.endswith(".xlsx") and len(rows) == 4
    assert rows[1][4] == "网格B" and rows[1][15] == "陈**"


def test_an_unmasked_job_logs_its_reveals_when_it_finishes(tree, staff, background, export_dir):
    ids = sorted(item(tree.grid_a, n).pk for n in range(3))
    job = _queue(staff, tree.district, reveal=True)
    assert not job.masked and not PersonalDataReveal.objects.exists()
    services.export_job_run(job_id=job.pk)
    assert sorted(PersonalDataReveal.objects.filter(user=staff).values_list("object_id", flat=True)) == ids
    rows = read_csv((export_dir / ExportJob.objects.get().file_name).read_bytes())
    assert {r[16] for r in rows[1:]} == {"13912340000", "13912340001", "13912340002"}


def test_a_run_that_lost_its_job_stops_and_leaves_nothing(tree, staff, background, export_dir, monkeypatch):
    for n in range(6):
        item(tree.grid_a, n)
    job = _queue(staff, tree.district)
    original = services._Progress.__call__

    def taken_over(self, rows):
        # After the first chunk the sweep re-queues the job and another worker claims it.
        ExportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
        assert services._claim(job.pk) == 2
        original(self, rows)

    monkeypatch.setattr(services._Progress, "__call__", taken_over)
    assert services.export_job_run(job_id=job.pk) == "superseded"
    job.refresh_from_db()
    assert (job.status, job.attempt, job.file_name) == (Status.RUNNING, 2, "")
    assert list(export_dir.iterdir()) == []

    monkeypatch.setattr(services._Progress, "__call__", original)
    ExportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)  # as the sweep would, later
    assert services.export_job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert (job.attempt, job.total_rows) == (3, 6)


def test_the_sweep_requeues_silent_jobs_and_publishes_forgotten_ones(tree, staff, background, published, settings):
    for n in range(2):
        item(tree.grid_a, n)
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.EXPORT_STALE_SECONDS + 5)
    died = _queue(staff, tree.district)
    ExportJob.objects.filter(pk=died.pk).update(status=Status.RUNNING, attempt=1, heartbeat_at=stale)
    alive = _queue(staff, tree.district)
    ExportJob.objects.filter(pk=alive.pk).update(status=Status.RUNNING, attempt=1, heartbeat_at=now)
    forgotten = _queue(staff, tree.district)
    ExportJob.objects.filter(pk=forgotten.pk).update(enqueued_at=now - dt.timedelta(minutes=5))
    fresh = _queue(staff, tree.district)

    result = services.export_sweep(now=now)

    assert result == {"requeued": 1, "published": 2, "expired": 0}
    assert sorted(map(str, published)) == sorted([str(died.pk), str(forgotten.pk)])
    statuses = dict(ExportJob.objects.values_list("pk", "status"))
    assert statuses[died.pk] == statuses[forgotten.pk] == statuses[fresh.pk] == Status.QUEUED
    assert statuses[alive.pk] == Status.RUNNING
    # Running it again at once changes nothing: the published jobs are fresh now.
    assert services.export_sweep(now=now) == {"requeued": 0, "published": 0, "expired": 0}
    assert services.export_job_run(job_id=died.pk) == "done"
    assert ExportJob.objects.get(pk=died.pk).attempt == 2


def test_a_job_that_keeps_dying_stops_after_the_last_attempt(tree, staff, background, settings, english):
    item(tree.grid_a, 1)
    item(tree.grid_a, 2)
    job = _queue(staff, tree.district)
    ExportJob.objects.filter(pk=job.pk).update(attempt=settings.EXPORT_MAX_ATTEMPTS)
    assert services.export_job_run(job_id=job.pk) == "skipped"
    job.refresh_from_db()
    assert job.status == Status.FAILED and "5 attempts" in job.error


def test_a_job_whose_user_lost_the_scope_fails_with_a_clear_message(tree, staff, background):
    item(tree.grid_a, 1)
    item(tree.grid_a, 2)
    job = _queue(staff, tree.district)
    RoleAssignment.objects.filter(user=staff).update(region=tree.street_b)
    assert services.export_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error == (
        "The filters of this export are not valid: "
        "Select a valid choice. That choice is not one of the available choices."
    )


def test_a_database_error_puts_the_job_back_for_the_retry(tree, staff, background, monkeypatch, export_dir):
    item(tree.grid_a, 1)
    item(tree.grid_a, 2)
    job = _queue(staff, tree.district)

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services.formats, "write_csv", broken)
    with pytest.raises(OperationalError):
        services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempt, job.enqueued_at) == (Status.QUEUED, 1, None)
    assert list(export_dir.iterdir()) == []


def test_the_tasks_are_acknowledged_late_and_retry_on_database_trouble():
    from exports import tasks

    assert tasks.run.acks_late
    for task in (tasks.run, tasks.sweep):
        assert OperationalError in task.autoretry_for and task.max_retries


def test_the_export_sweep_is_on_beat(settings):
    assert settings.CELERY_BEAT_SCHEDULE["export-sweep"]["task"] == "exports.tasks.sweep"
