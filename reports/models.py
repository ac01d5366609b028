"""Monthly rollups of the petition KPIs (月度汇总), kept by the beat refresh (``reports.services``).

One row per (month, region node, dimension, key): the counts behind every figure of the reports,
for the items filed in that month anywhere in the node's subtree. The refresh writes a row for the
item's own region *and for each of its ancestors*, so a report on any node — district, street,
community, compound or grid — reads that node's rows only (a few dozen for a year), never a range
of descendants, and never the petitions table. Dimensions: ``all`` (the node's totals) and one
split each by category, channel and handling unit. All counts are additive: a period is the SUM
of its months; every rate is computed from the sums (reports/metrics.py).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import HandlingUnit, Region
from petitions.models import Category


class Dim(models.TextChoices):
    ALL = "all", _("All items")
    CATEGORY = "category", _("Category")
    CHANNEL = "channel", _("Channel")
    UNIT = "unit", _("Handling unit")


class MonthlyRollup(models.Model):
    """The KPI counts of one month, region node and split key."""

    month = models.DateField(_("month"))  # first day, Asia/Shanghai
    region = models.ForeignKey(Region, models.CASCADE, related_name="+", db_index=False)
    dim = models.CharField(max_length=16, choices=Dim.choices)
    category = models.ForeignKey(Category, models.CASCADE, null=True, related_name="+", db_index=False)
    channel = models.CharField(max_length=20, blank=True)
    unit = models.ForeignKey(HandlingUnit, models.CASCADE, null=True, related_name="+", db_index=False)

    collected = models.PositiveIntegerField(default=0)
    first_time = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    unfixed = models.PositiveIntegerField(default=0, db_default=0)
    on_time = models.PositiveIntegerField(default=0)
    evaluated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basic = models.PositiveIntegerField(default=0)
    unsatisfied = models.PositiveIntegerField(default=0)
    not_evaluated = models.PositiveIntegerField(default=0)
    reworked = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    work_minutes = models.BigIntegerField(default=0)
    work_items = models.PositiveIntegerField(default=0)

    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("monthly KPI rollup")
        verbose_name_plural = _("monthly KPI rollups")
        constraints = [
            # Also the index of every read: one node, one dimension, a range of months.
            models.UniqueConstraint(
                fields=["region", "dim", "month", "category", "channel", "unit"],
                name="rollup_one_row_per_key",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["month"], name="rollup_month")]  # the refresh deletes by month

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_id} {self.dim}"


class RollupState(models.Model):
    """The refresh's watermark: items changed after it are recomputed on the next run."""

    key = models.CharField(max_length=32, unique=True)
    value = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key} {self.value:%Y-%m-%d %H:%M}"
