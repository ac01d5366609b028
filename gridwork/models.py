"""Grid work (网格工作): what grid leaders and community staff do besides filing petitions.

Field days (下沉网格) and their findings, residents' meetings and their resolutions, and the
service catalogue (最多跑一次) of each community service centre. Every record that lives in the
region tree keeps a copy of its region's path (``region_path``) so a scoped list is one
``LIKE 'path%'`` on a pattern index, exactly like petitions.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from grids.models import Region
from petitions.models import Petition

MAX_HOURS = 24


def _path_index(name: str) -> models.Index:
    return models.Index(fields=["region_path", "-id"], name=name, opclasses=["varchar_pattern_ops", "int8_ops"])


@pghistory.track(*audited())
class FieldDay(models.Model):
    """A day a grid leader spent in the grid (下沉网格): the district expects three a week."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="field_days", verbose_name=_("grid leader")
    )
    grid = models.ForeignKey(Region, models.PROTECT, related_name="field_days", verbose_name=_("grid"))
    region_path = models.CharField(max_length=255, editable=False)  # copy of grid.path for scoping
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours in the grid"), max_digits=4, decimal_places=1)
    households = models.PositiveIntegerField(_("households reached"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("field day")
        verbose_name_plural = _("field days")
        indexes = [
            _path_index("fieldday_by_region"),
            # The home panel: a leader's days of this week.
            models.Index(fields=["leader", "date"], name="fieldday_by_leader"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=0, hours__lte=MAX_HOURS), name="fieldday_hours_0_24"),
            models.UniqueConstraint(fields=["leader", "grid", "date"], name="fieldday_once_per_grid_and_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} · {self.grid.name}"


@pghistory.track(*audited())
class Finding(models.Model):
    """Something found on a field day; one step turns it into a petition (channel "grid")."""

    field_day = models.ForeignKey(FieldDay, models.CASCADE, related_name="findings", verbose_name=_("field day"))
    text = models.TextField(_("finding"))
    petition = models.OneToOneField(
        Petition,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="field_day_finding",
        verbose_name=_("petition"),
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:40]


@pghistory.track(*audited())
class MeetingKind(models.Model):
    """A kind of residents' meeting: the district's (民主恳谈会, 民情议事会, 小区说事会, 联席会议) and
    local named formats kept as data (总浦桥社区 "畅谈吧"), optionally tied to their region."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=64)
    region = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("local to")
    )
    is_joint = models.BooleanField(_("joint meeting (联席会议)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("meeting kind")
        verbose_name_plural = _("meeting kinds")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


@pghistory.track(*audited())
class Meeting(models.Model):
    """A residents' meeting (民主恳谈会 …) or a joint meeting, with its topics and resolutions."""

    kind = models.ForeignKey(MeetingKind, models.PROTECT, related_name="meetings", verbose_name=_("kind"))
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    region = models.ForeignKey(Region, models.PROTECT, related_name="meetings", verbose_name=_("region"))
    region_path = models.CharField(max_length=255, editable=False)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    officials = models.TextField(_("officials present"), blank=True)
    topics = models.TextField(_("topics"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    # A joint meeting (联席会议) held about a major petition, recorded here from the petition's page.
    for_petition = models.ForeignKey(
        Petition,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="joint_meetings",
        verbose_name=_("held about petition"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("residents' meeting")
        verbose_name_plural = _("residents' meetings")
        indexes = [_path_index("meeting_by_region")]
        constraints = [models.CheckConstraint(condition=Q(participants__lte=100_000), name="meeting_participants")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} · {self.kind}"


@pghistory.track(*audited())
class Resolution(models.Model):
    """What a meeting resolved; one step turns it into a petition (channel "meeting")."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="resolutions", verbose_name=_("meeting"))
    text = models.TextField(_("resolution"))
    petition = models.OneToOneField(
        Petition,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_resolution",
        verbose_name=_("petition"),
    )

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:40]
