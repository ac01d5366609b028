"""Writes of exports: start one (stream it or queue a job), run a job, sweep, expire.

A job is safe to run twice: the run claims it with a compare-and-set (``queued`` → ``running``,
one more ``attempt``), every progress update and the finish check that the attempt is still the
current one, and the file is written under a per-attempt temporary name and renamed into place
atomically. A worker killed mid-way leaves a ``running`` job whose heartbeat goes stale; the sweep
puts it back to ``queued`` and publishes it again, and the new run starts the file over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import PersonalDataReveal
from exports import formats, permissions, selectors
from exports.forms import Params, parse_params
from exports.models import TRANSITIONS, ExportJob, Format, Status
from exports.selectors import ExportSpec

log = logging.getLogger(__name__)
TOO_MANY_FOR_EXCEL = gettext_lazy("Too many rows for one Excel sheet: choose CSV, or narrow the filters.")


class Superseded(Exception):
    """Another run took the job over (the sweep re-queued it): this run stops and cleans up."""


@dataclass
class Started:
    """An export that was started: streamed now (``stream`` or ``file``) or queued (neither)."""

    job: ExportJob
    stream: Iterator[bytes] | None = None
    file: IO[bytes] | None = None


def export_dir() -> Path:
    folder = Path(settings.EXPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _move(job: ExportJob, target: str) -> None:
    if target not in TRANSITIONS[job.status]:
        raise DomainError(_("This export cannot change from “%(status)s” now.") % {"status": job.get_status_display()})
    job.status = target


def _log_reveal(job: ExportJob, spec: ExportSpec) -> None:
    """An unmasked export reveals the personal data of every item in it: one reveal row per item,
    written by one INSERT … SELECT over the same rows."""
    table = PersonalDataReveal._meta.db_table
    sql = (
        f"INSERT INTO {table} (user_id, object_type, object_id, fields, at, ip_address) "  # noqa: S608
        f"SELECT %s, %s, chosen.id, %s, %s, %s FROM ({spec.ids_sql}) chosen"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [job.user_id, "petitions.petition", spec.personal_fields, timezone.now(), job.ip_address, *spec.ids_params],
        )


# --- Starting an export ------------------------------------------------------------------------------


def export_start(*, user, params: Params, format: str, reveal: bool = False, ip_address: str | None = None) -> Started:
    """Log the export and either stream it (up to ``EXPORT_STREAM_MAX_ROWS`` rows) or queue a job.

    ``params`` must be valid (``forms.parse_params``: scope applied, filters checked).
    """
    if not params.is_valid:
        raise DomainError(" ".join(params.errors))
    if format not in Format.values:
        raise DomainError(_("Choose CSV or Excel."), field="format")
    if reveal and not permissions.may_reveal_all(user, selectors.export_roots(user=user, params=params)):
        raise DomainError(_("You may not see residents' personal data in this export."), field="reveal")
    spec = selectors.export_spec(user=user, params=params, masked=not reveal)
    limit = settings.EXPORT_STREAM_MAX_ROWS
    count = selectors.export_count(spec, limit=limit + 1)
    too_big = format == Format.XLSX and count > limit
    if too_big and selectors.export_count(spec, limit=formats.XLSX_MAX_ROWS + 1) > formats.XLSX_MAX_ROWS:
        raise DomainError(TOO_MANY_FOR_EXCEL, field="format")
    streamed = count <= limit
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob(
            user=user,
            kind=params.kind,
            format=format,
            params=params.data,
            language=get_language() or settings.LANGUAGE_CODE,
            streamed=streamed,
            masked=not reveal,
            ip_address=ip_address,
            download_name=f"{spec.file_stem}.{format}",
            created_at=now,
        )
        if streamed:
            job.status = Status.DONE
            job.total_rows = count  # exact: at most the threshold was counted
            job.started_at = now  # finished_at and the rows sent are recorded when the stream ends
        else:
            job.enqueued_at = now
        job.save(force_insert=True)
        if streamed and reveal:
            _log_reveal(job, spec)
        if not streamed:
            transaction.on_commit(partial(publish, job.pk))
    if not streamed:
        return Started(job=job)
    if format == Format.CSV:
        return Started(job=job, stream=_streamed(job, selectors.csv_pieces(spec)))
    # A workbook is a zip archive: write it to a temporary file, then send that file.
    target = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    rows = formats.write_xlsx(
        target, spec.headers, selectors.export_chunks(spec), lambda rows: None, title=str(job.get_kind_display())
    )
    _record_sent(job, rows)
    target.seek(0)
    return Started(job=job, file=target)


def _record_sent(job: ExportJob, rows: int) -> None:
    ExportJob.objects.filter(pk=job.pk).update(progress_rows=rows, total_rows=rows, finished_at=timezone.now())


def _streamed(job: ExportJob, pieces: Iterator[tuple[bytes, int]]) -> Iterator[bytes]:
    """Relay the pieces; once the last is sent, log how many rows went out (a download the
    browser abandoned keeps no ``finished_at``)."""
    sent = 0
    for data, rows in pieces:
        sent += rows
        yield data
    _record_sent(job, sent)


def publish(job_id) -> bool:
    """Ask a worker to run the job; on broker trouble leave it to the sweep (the row waits)."""
    from exports.tasks import run

    try:
        run.apply_async(args=[str(job_id)], queue=settings.EXPORT_QUEUE, retry=False)
    except Exception as exc:  # broker down: the job stays queued and the sweep publishes it later
        log.warning("exports: could not publish job %s (%s); the sweep will retry", job_id, exc.__class__.__name__)
        return False
    return True


# --- Running a job -----------------------------------------------------------------------------------


def _locked(job_id) -> ExportJob | None:
    return ExportJob.objects.select_for_update().filter(pk=job_id).first()


def _file_path(job: ExportJob, suffix: str) -> Path:
    return export_dir() / f"{job.pk}{suffix}"


def _remove_parts(job: ExportJob, *, keep: Path | None = None) -> None:
    for part in export_dir().glob(f"{job.pk}.*.part"):
        if part != keep:
            part.unlink(missing_ok=True)


@transaction.atomic
def _claim(job_id) -> int | None:
    """``queued`` → ``running`` with one more attempt; None when there is nothing to run."""
    job = _locked(job_id)
    if job is None or job.status != Status.QUEUED:
        return None
    if job.attempt >= settings.EXPORT_MAX_ATTEMPTS:
        _move(job, Status.FAILED)
        job.error = _("The export was stopped after %(count)s attempts.") % {"count": job.attempt}
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        _remove_parts(job)
        return None
    now = timezone.now()
    _move(job, Status.RUNNING)
    job.attempt += 1
    job.started_at = job.heartbeat_at = now
    job.progress_rows, job.error = 0, ""
    job.save(update_fields=["status", "attempt", "started_at", "heartbeat_at", "progress_rows", "error"])
    return job.attempt


class _Progress:
    """After each chunk: record the rows written and a heartbeat, if this run still owns the job."""

    def __init__(self, job_id, attempt: int) -> None:
        self.job_id, self.attempt, self.rows = job_id, attempt, 0

    def set_total(self, total: int) -> None:
        self._update(total_rows=total)

    def __call__(self, rows: int) -> None:
        self.rows += rows
        self._update(progress_rows=self.rows)
        if settings.EXPORT_CHUNK_DELAY:
            time.sleep(settings.EXPORT_CHUNK_DELAY)  # tests slow a job down to stop it mid-way

    def _update(self, **fields) -> None:
        mine = ExportJob.objects.filter(pk=self.job_id, attempt=self.attempt, status=Status.RUNNING)
        if not mine.update(heartbeat_at=timezone.now(), **fields):
            raise Superseded


@transaction.atomic
def _finish(job_id, attempt: int, part: Path, spec: ExportSpec, rows: int) -> None:
    job = _locked(job_id)
    if job is None or job.status != Status.RUNNING or job.attempt != attempt:
        raise Superseded
    final = _file_path(job, f".{job.format}")
    os.replace(part, final)  # atomic: a reader sees the old file or the whole new one
    now = timezone.now()
    _move(job, Status.DONE)
    job.file_name, job.file_size = final.name, final.stat().st_size
    job.progress_rows = job.total_rows = rows
    job.finished_at = job.heartbeat_at = now
    job.expires_at = now + dt.timedelta(hours=settings.EXPORT_KEEP_HOURS)
    job.save(
        update_fields=[
            "status",
            "file_name",
            "file_size",
            "progress_rows",
            "total_rows",
            "finished_at",
            "heartbeat_at",
            "expires_at",
        ]
    )
    if not job.masked:
        _log_reveal(job, spec)


@transaction.atomic
def _fail(job_id, attempt: int, message: str) -> None:
    job = _locked(job_id)
    if job is None or job.status != Status.RUNNING or job.attempt != attempt:
        return
    _move(job, Status.FAILED)
    job.error, job.finished_at = message[:2000], timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])


@transaction.atomic
def _requeue(job_id, attempt: int | None = None) -> bool:
    """``running`` → ``queued`` (a transient error, or a worker that died): the next run starts over."""
    job = _locked(job_id)
    if job is None or job.status != Status.RUNNING or (attempt is not None and job.attempt != attempt):
        return False
    _move(job, Status.QUEUED)
    job.enqueued_at = None
    job.save(update_fields=["status", "enqueued_at"])
    return True


def _write(job: ExportJob, spec: ExportSpec, part: Path, progress: _Progress) -> int:
    chunks = selectors.export_chunks(spec, hold=True)
    try:
        with open(part, "wb") as out:
            if job.format == Format.CSV:
                rows = formats.write_csv(out, spec.headers, chunks, progress)
            else:
                rows = formats.write_xlsx(out, spec.headers, chunks, progress, title=str(job.get_kind_display()))
            out.flush()
            os.fsync(out.fileno())
        return rows
    finally:
        chunks.close()


def _prepare(job: ExportJob) -> ExportSpec:
    """Check the export again as the worker reads it: the user's scope may have changed."""
    if not permissions.may_export(job.user):
        raise DomainError(_("You may no longer export."))
    params = parse_params(user=job.user, kind=job.kind, data=job.params)
    if not params.is_valid:
        raise DomainError(
            _("The filters of this export are not valid: %(errors)s") % {"errors": " ".join(params.errors)}
        )
    if not job.masked and not permissions.may_reveal_all(
        job.user, selectors.export_roots(user=job.user, params=params)
    ):
        raise DomainError(_("You may no longer see residents' personal data in this export."))
    return selectors.export_spec(user=job.user, params=params, masked=job.masked)


def export_job_run(*, job_id) -> str:
    """Run a queued job once (a second run of the same job is a no-op). Returns what happened."""
    attempt = _claim(job_id)
    if attempt is None:
        return "skipped"
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    part = _file_path(job, f".{attempt}.part")
    _remove_parts(job)  # what an earlier, killed attempt left behind
    progress = _Progress(job.pk, attempt)
    try:
        with translation.override(job.language):
            spec = _prepare(job)
            total = selectors.export_count(spec)
            if job.format == Format.XLSX and total > formats.XLSX_MAX_ROWS:
                raise DomainError(TOO_MANY_FOR_EXCEL)
            progress.set_total(total)
            rows = _write(job, spec, part, progress)
            _finish(job.pk, attempt, part, spec, rows)
    except Superseded:
        part.unlink(missing_ok=True)
        return "superseded"
    except DomainError as error:
        part.unlink(missing_ok=True)
        _fail(job.pk, attempt, str(error.message))
        return "failed"
    except OperationalError:
        part.unlink(missing_ok=True)
        with contextlib.suppress(OperationalError):
            _requeue(job.pk, attempt)  # the task retries with backoff; if the database is gone, the sweep does
        raise
    except Exception:
        log.exception("exports: job %s failed", job.pk)
        part.unlink(missing_ok=True)
        _fail(job.pk, attempt, _("The export failed unexpectedly. Start it again, or ask an administrator."))
        return "failed"
    return "done"


# --- The sweep ---------------------------------------------------------------------------------------


def export_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Beat runs this every minute: re-run jobs whose worker died, publish jobs nobody picked up,
    delete expired files. Safe to run twice or in parallel (row locks and compare-and-set)."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.EXPORT_STALE_SECONDS)
    requeued = 0
    for job_id in ExportJob.objects.filter(status=Status.RUNNING, heartbeat_at__lt=stale).values_list("pk", flat=True):
        with transaction.atomic():
            job = _locked(job_id)
            if job is None or job.status != Status.RUNNING or job.heartbeat_at >= stale:
                continue
            _move(job, Status.QUEUED)
            job.enqueued_at = None
            job.save(update_fields=["status", "enqueued_at"])
            requeued += 1
            log.warning("exports: job %s went quiet in attempt %s; queued again", job.pk, job.attempt)
    published = 0
    quiet = now - dt.timedelta(seconds=settings.EXPORT_QUEUED_STALE_SECONDS)
    waiting = ExportJob.objects.filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=quiet), status=Status.QUEUED)
    for job_id in waiting.values_list("pk", flat=True):
        if ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(enqueued_at=now):
            published += publish(job_id)
    return {"requeued": requeued, "published": published, "expired": export_expire(now=now)}


def export_expire(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Delete the files of finished exports past their time; the log rows stay (``expired``)."""
    now = now or timezone.now()
    expired = 0
    due = ExportJob.objects.filter(status=Status.DONE, streamed=False, expires_at__lte=now)
    for job_id in due.values_list("pk", flat=True)[:batch]:
        with transaction.atomic():
            job = _locked(job_id)
            if job is None or job.status != Status.DONE or job.expires_at > now:
                continue
            if job.file_name:
                (export_dir() / job.file_name).unlink(missing_ok=True)
            _move(job, Status.EXPIRED)
            job.save(update_fields=["status"])
            expired += 1
    return expired


def export_file(job: ExportJob) -> Path:
    return export_dir() / job.file_name
