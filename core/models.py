from __future__ import annotations

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import audited


@pghistory.track(*audited())
class WorkingDay(models.Model):
    """One calendar date and whether the offices work on it (工作日历).

    Seeded from ``chinese-calendar`` (public holidays and the swapped working days, 调休) and
    editable by admins. Dates missing from the table fall back to Monday–Friday.
    """

    date = models.DateField(_("date"), primary_key=True)
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-time calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'✓' if self.is_working else '—'}"
