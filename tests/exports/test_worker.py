"""A background export on a real Celery worker that is killed mid-way (SIGKILL), then finished by a
new worker after the sweep re-queues it: the file is complete, with every row exactly once."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone, translation

from exports import forms, services
from exports.models import ExportJob, Format, Kind, Status
from grids.roles import Role
from tests.exports.helpers import item, read_csv
from tests.exports.worker import ExportWorker, export_queue, purge, wait_until
from tests.grids import factories as grid_factories
from tests.petitions.test_sweeps import migration_data_restored  # noqa: F401 (a fixture)

ROWS = 40


@pytest.fixture
def queue(settings):
    name = export_queue()
    purge(name)
    settings.EXPORT_QUEUE = name
    return name


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_data_restored")
def test_a_job_survives_its_worker_being_killed_mid_way(tree, queue, export_dir, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 5
    staff = grid_factories.user(role=Role.DISTRICT_STAFF, region=tree.district)
    codes = {item(tree.grid_a if n % 2 else tree.grid_b, n).tracking_code for n in range(ROWS)}
    # Slow enough to be stopped half-way: 4 rows per chunk, a quarter of a second after each.
    worker = ExportWorker(queue=queue, export_dir=export_dir, EXPORT_CHUNK_ROWS="4", EXPORT_CHUNK_DELAY="0.25")
    worker.start()
    try:
        today = timezone.localdate().isoformat()
        data = {"region": [str(tree.district.pk)], "start": [today], "end": [today]}
        params = forms.parse_params(user=staff, kind=Kind.SATISFACTION, data=data)
        with translation.override("en"):
            job = services.export_start(user=staff, params=params, format=Format.CSV).job  # published on commit

        def halfway():
            job.refresh_from_db()
            return job.status == Status.RUNNING and job.progress_rows >= 12

        wait_until(halfway, timeout=60, what="the first worker to write a third of the rows")
        worker.kill()
        job.refresh_from_db()
        assert job.status == Status.RUNNING and job.attempt == 1
        assert 12 <= job.progress_rows < ROWS
        leftovers = sorted(p.name for p in export_dir.iterdir())
        assert leftovers == [f"{job.pk}.1.part"]  # half a file, never renamed into place

        worker.start()
        time.sleep(1)  # the killed worker's heartbeat must look stale to the sweep
        settings.EXPORT_STALE_SECONDS = 1
        assert services.export_sweep() == {"requeued": 1, "published": 1, "expired": 0}

        def finished():
            job.refresh_from_db()
            return job.status not in (Status.QUEUED, Status.RUNNING)

        wait_until(finished, timeout=60, what="the second worker to finish the job")
    finally:
        worker.stop()

    assert (job.status, job.attempt, job.progress_rows, job.total_rows, job.error) == (Status.DONE, 2, ROWS, ROWS, "")
    rows = read_csv((export_dir / job.file_name).read_bytes())
    assert rows[0][0] == "Tracking code"
    assert sorted(r[0] for r in rows[1:]) == sorted(codes)  # every row once: the re-run started over
    assert sorted(p.name for p in export_dir.iterdir()) == [f"{job.pk}.csv"]
    assert ExportJob.objects.count() == 1
