"""Exports (数据导出): every export, streamed or prepared in the background, is one ``ExportJob`` row.

The row is both the job (status, progress, the file) and the export log: who exported what, with
which filters, how many rows, and whether residents' personal data was masked.
"""

from __future__ import annotations

import uuid

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import audited


class Kind(models.TextChoices):
    SATISFACTION = "satisfaction", _("Satisfaction report")
    PETITIONS = "petitions", _("Petition list")
    LEDGER = "ledger", _("Fund ledger")  # issue 17: a fund's entries, for auditors
    GRIDWORK = "gridwork", _("Grid work figures")  # issue 15: figures of every node of a region


class Format(models.TextChoices):
    CSV = "csv", _("CSV (UTF-8, opens in Excel)")
    XLSX = "xlsx", _("Excel workbook (XLSX)")


class Status(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


# Allowed moves of a job. ``queued`` again from ``running`` is the sweep taking over a job whose
# worker died; a re-run starts the file over.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.QUEUED: frozenset({Status.RUNNING, Status.FAILED}),
    Status.RUNNING: frozenset({Status.DONE, Status.FAILED, Status.QUEUED}),
    Status.DONE: frozenset({Status.EXPIRED}),
    Status.FAILED: frozenset(),
    Status.EXPIRED: frozenset(),
}
ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)


# Who exported what, with or without personal data, and how it ended; not each chunk's progress.
@pghistory.track(*audited(), exclude=["progress_rows", "heartbeat_at"])
class ExportJob(models.Model):
    """One export (数据导出) and its log entry."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="export_jobs", verbose_name=_("exported by")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=16, default="zh-hans")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    streamed = models.BooleanField(_("streamed directly"), default=False)
    masked = models.BooleanField(_("personal data masked"), default=True)
    progress_rows = models.PositiveIntegerField(_("rows written"), default=0)
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    attempt = models.PositiveIntegerField(_("attempts"), default=0)
    file_name = models.CharField(_("file"), max_length=200, blank=True)  # in settings.EXPORT_DIR
    download_name = models.CharField(_("download name"), max_length=200, blank=True)
    file_size = models.BigIntegerField(_("file size (bytes)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("last enqueued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("downloadable until"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            # "My exports", newest first, keyset on (created_at, id).
            models.Index(fields=["user", "-created_at", "-id"], name="export_by_user"),
            # The sweep: jobs that should be moving.
            models.Index(
                fields=["status", "heartbeat_at"],
                name="export_active",
                condition=Q(status__in=["queued", "running"]),
            ),
            # The clean-up: finished files past their time.
            models.Index(fields=["expires_at"], name="export_to_expire", condition=Q(status="done")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="export_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="done") | (Q(expires_at__isnull=False) & ~Q(file_name="")) | Q(streamed=True),
                name="export_done_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.user} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.progress_rows * 100 // self.total_rows)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_downloadable(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == Status.DONE
            and not self.streamed
            and bool(self.file_name)
            and self.expires_at is not None
            and now < self.expires_at
        )
