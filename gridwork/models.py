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
    wish = models.OneToOneField(
        "volunteers.Wish", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("micro-wish")
    )

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:40]


# --- The service catalogue (最多跑一次) -------------------------------------------------------------------


@pghistory.track(*audited())
class ServiceCentre(models.Model):
    """A community service centre (社区便民服务中心) with its window (说事窗口)."""

    region = models.ForeignKey(Region, models.PROTECT, related_name="service_centres", verbose_name=_("community"))
    region_path = models.CharField(max_length=255, editable=False)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("open to the public"), default=True)

    class Meta:
        verbose_name = _("service centre")
        verbose_name_plural = _("service centres")
        indexes = [_path_index("centre_by_region")]

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


@pghistory.track(*audited())
class OpeningHours(models.Model):
    """One opening of a centre on a weekday: regular, staggered (错时: when people are off work, e.g.
    a Saturday morning) or extended (延时: past the usual closing time)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular hours")
        STAGGERED = "staggered", _("Staggered hours (错时)")
        EXTENDED = "extended", _("Extended hours (延时)")

    centre = models.ForeignKey(ServiceCentre, models.CASCADE, related_name="hours", verbose_name=_("service centre"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REGULAR)

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [models.CheckConstraint(condition=Q(closes__gt=models.F("opens")), name="hours_close_after_open")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


@pghistory.track(*audited())
class ServiceItem(models.Model):
    """A service the centre handles itself (最多跑一次: at most one visit)."""

    centre = models.ForeignKey(ServiceCentre, models.CASCADE, related_name="items", verbose_name=_("service centre"))
    group = models.CharField(_("area"), max_length=32)
    name = models.CharField(_("service"), max_length=120)
    documents = models.TextField(_("documents to bring"), blank=True)
    time_limit = models.CharField(_("time limit"), max_length=64)
    where = models.CharField(_("where"), max_length=100)
    one_visit = models.BooleanField(_("done in one visit"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["group", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["centre", "name"], name="service_item_once_per_centre")]

    def __str__(self) -> str:
        return self.name


@pghistory.track(*audited())
class Reception(models.Model):
    """A first-ask reception (首问接待) at a centre's window: who asked what, who answered, and where
    they were referred when the window could not settle it."""

    centre = models.ForeignKey(
        ServiceCentre, models.PROTECT, related_name="receptions", verbose_name=_("service centre")
    )
    region_path = models.CharField(max_length=255, editable=False)
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    resident_name = models.CharField(_("resident's name"), max_length=64, blank=True)
    resident_phone = models.CharField(_("resident's phone"), max_length=11, blank=True)
    question = models.TextField(_("question"))
    service = models.ForeignKey(
        ServiceItem, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("service item")
    )
    answer = models.TextField(_("answer"), blank=True)
    referred_to = models.CharField(_("referred to"), max_length=120, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("answered by")
    )

    class Meta:
        verbose_name = _("first-ask reception")
        verbose_name_plural = _("first-ask receptions")
        indexes = [_path_index("reception_by_region")]

    def __str__(self) -> str:
        return f"{self.asked_at:%Y-%m-%d} {self.question[:30]}"


# --- Household register and visits (入户走访) ----------------------------------------------------------------


@pghistory.track(*audited())
class Household(models.Model):
    """A household of a compound's register (importable from CSV), optionally placed in its grid."""

    compound = models.ForeignKey(Region, models.PROTECT, related_name="households", verbose_name=_("compound"))
    grid = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="grid_households", verbose_name=_("grid")
    )
    region_path = models.CharField(max_length=255, editable=False)  # the grid's path, or the compound's
    building = models.CharField(_("building"), max_length=16)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    room = models.CharField(_("room"), max_length=16)
    head_name = models.CharField(_("head of household"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=11, blank=True)
    members = models.PositiveSmallIntegerField(_("members"), default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [_path_index("household_by_region")]
        constraints = [
            models.UniqueConstraint(fields=["compound", "building", "unit", "room"], name="household_once_per_address")
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{self.building}幢{unit}{self.room}室"


@pghistory.track(*audited())
class Visit(models.Model):
    """A household visit (入户走访) by a social worker or grid leader."""

    class Purpose(models.TextChoices):
        ROUTINE = "routine", _("Routine visit")
        CARE = "care", _("Care and help")
        OPINION = "opinion", _("Collecting residents' views")
        SAFETY = "safety", _("Safety check")
        POLICY = "policy", _("Explaining a policy")

    household = models.ForeignKey(Household, models.PROTECT, related_name="visits", verbose_name=_("household"))
    region_path = models.CharField(max_length=255, editable=False)
    visited_on = models.DateField(_("visited on"))
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("visitor"))
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.ROUTINE)
    outcome = models.TextField(_("outcome"))
    follow_up = models.BooleanField(_("follow-up needed"), default=False)
    # The follow-up in one step: a petition (channel grid) and/or a micro-wish (source "visit").
    petition = models.OneToOneField(
        Petition, models.PROTECT, null=True, blank=True, related_name="household_visit", verbose_name=_("petition")
    )
    wish = models.OneToOneField(
        "volunteers.Wish", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("micro-wish")
    )

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        indexes = [
            _path_index("visit_by_region"),
            # The visit rate: the households visited in a period.
            models.Index(fields=["visited_on", "household"], name="visit_by_date"),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.household_id}"


# --- Self-governance stations (小区居民自治互助站) ---------------------------------------------------------------


@pghistory.track(*audited())
class Station(models.Model):
    """A residents' self-governance and mutual-help station of a compound."""

    compound = models.ForeignKey(Region, models.PROTECT, related_name="stations", verbose_name=_("compound"))
    region_path = models.CharField(max_length=255, editable=False)
    name = models.CharField(_("name"), max_length=100)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("self-governance station")
        verbose_name_plural = _("self-governance stations")
        indexes = [_path_index("station_by_region")]

    def __str__(self) -> str:
        return self.name


@pghistory.track(*audited())
class StationMember(models.Model):
    """A resident who takes part in a station; with a login, they file petitions for the station."""

    station = models.ForeignKey(Station, models.CASCADE, related_name="members", verbose_name=_("station"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="station_memberships",
        verbose_name=_("login"),
    )
    name = models.CharField(_("name"), max_length=64)
    post = models.CharField(_("post"), max_length=32, blank=True)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("station member")
        verbose_name_plural = _("station members")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "user"], condition=Q(user__isnull=False), name="station_member_once"
            )
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track(*audited())
class StationActivity(models.Model):
    """Something the station did: a clean-up, a talk, a repair day, mutual help."""

    station = models.ForeignKey(Station, models.CASCADE, related_name="activities", verbose_name=_("station"))
    date = models.DateField(_("date"))
    title = models.CharField(_("activity"), max_length=120)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("station activity")
        verbose_name_plural = _("station activities")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.title
