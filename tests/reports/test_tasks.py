"""The beat task in the real Celery worker, and its retry policy."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from petitions.reference import ensure_categories
from reports import tasks
from reports.models import MonthlyRollup
from tests.petitions import factories


@pytest.fixture(scope="module")
def migration_data_restored(django_db_blocker):
    """The transactional test's flush empties the categories the migrations seeded: put them back."""
    yield
    with django_db_blocker.unblock():
        ensure_categories()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_data_restored")
def test_the_refresh_task_runs_in_the_real_worker(tree, celery_worker_process):
    petition = factories.petition(region=tree.grid_a)

    tasks.rollup_refresh.delay()

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not MonthlyRollup.objects.exists():
        time.sleep(0.2)
    total = MonthlyRollup.objects.get(region=tree.district, dim="all")
    filed = timezone.localtime(petition.created_at, ZoneInfo("Asia/Shanghai")).date()
    assert (total.collected, total.month) == (1, filed.replace(day=1))


def test_the_task_retries_on_database_trouble():
    from django.db import OperationalError

    assert OperationalError in tasks.rollup_refresh.autoretry_for
    assert tasks.rollup_refresh.retry_backoff and tasks.rollup_refresh.max_retries
