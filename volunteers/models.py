"""Volunteers (志愿者), their organisations and studios, and the opportunities they sign up for.

Personal data is kept as DESIGN.md says: the national ID only encrypted (``id_encrypted``, MultiFernet)
plus a keyed hash (``id_hash``, unique: one person registers once); the volunteer number is the only
identifier other people see. No volunteer is booked into two overlapping opportunities: an exclusion
constraint on the sign-up's time range says so in the database, so racing sign-ups cannot both win.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from grids.models import Region


@pghistory.track(*audited())
class ServiceType(models.Model):
    """A kind of service (助老 助残 助困 助学 …), edited by admins."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


@pghistory.track(*audited())
class Volunteer(models.Model):
    """A registered volunteer (注册志愿者)."""

    number = models.CharField(_("volunteer number"), max_length=12, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer",
        verbose_name=_("account"),
    )
    real_name = models.CharField(_("real name"), max_length=64)
    phone = models.CharField(_("mobile phone"), max_length=20)
    id_encrypted = models.TextField(_("national ID (encrypted)"), editable=False)
    id_hash = models.CharField(_("national ID (keyed hash)"), max_length=64, unique=True, editable=False)
    birth_date = models.DateField(_("date of birth"))
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("home region"))
    service_types = models.ManyToManyField(ServiceType, related_name="+", verbose_name=_("service types"))
    skills = ArrayField(models.CharField(max_length=32), default=list, blank=True, verbose_name=_("skills"))
    consent_at = models.DateTimeField(_("consent given at"))
    consent_version = models.CharField(_("consent text version"), max_length=16)
    guardian_name = models.CharField(_("guardian's name"), max_length=64, blank=True)
    guardian_phone = models.CharField(_("guardian's mobile phone"), max_length=20, blank=True)
    guardian_consent_at = models.DateTimeField(_("guardian's consent given at"), null=True, blank=True)
    insured_until = models.DateField(_("accident insurance valid until"), null=True, blank=True)
    # The ``insured_until`` a reminder went out for: beat reminds once per policy end.
    insurance_reminded_for = models.DateField(null=True, blank=True, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        indexes = [
            GinIndex(fields=["skills"], name="volunteer_skills"),
            models.Index(fields=["region", "-id"], name="volunteer_region"),
        ]

    def __str__(self) -> str:
        return self.number


@pghistory.track(*audited())
class Availability(models.Model):
    """A weekly window in which the volunteer can serve: Monday 18:00–21:00."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    volunteer = models.ForeignKey(Volunteer, models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availability")
        ordering = ["weekday", "start"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="availability_end_after_start")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


@pghistory.track(*audited())
class Organisation(models.Model):
    """A volunteer organisation (志愿服务组织) or a studio (专业工作室 / 能人工作室)."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("Volunteer organisation")
        STUDIO = "studio", _("Studio")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ORGANISATION)
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    members = models.ManyToManyField(Volunteer, through="Membership", related_name="organisations")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@pghistory.track(*audited())
class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        LEADER = "leader", _("Team leader")
        MANAGER = "manager", _("Manager")

    organisation = models.ForeignKey(Organisation, models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["organisation", "volunteer"], name="membership_once")]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.volunteer_id}"


@pghistory.track(*audited())
class InsurancePolicy(models.Model):
    """An organisation's or studio's group accident-insurance policy (团体意外险), with its term; beat
    reminds the organisation's managers and the coordinators of its region before it ends."""

    organisation = models.ForeignKey(
        Organisation, models.CASCADE, related_name="policies", verbose_name=_("organisation")
    )
    insurer = models.CharField(_("insurer"), max_length=100)
    number = models.CharField(_("policy number"), max_length=64)
    starts_on = models.DateField(_("valid from"))
    ends_on = models.DateField(_("valid until"))
    insured = models.PositiveIntegerField(_("people insured"), default=0)
    # The ``ends_on`` a reminder went out for: beat reminds once per policy end.
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("accident-insurance policy")
        verbose_name_plural = _("accident-insurance policies")
        ordering = ["-ends_on", "-id"]
        indexes = [models.Index(fields=["ends_on"], name="policy_ends_on")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="policy_ends_after_start"),
            models.UniqueConstraint(fields=["organisation", "number"], name="policy_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.number}"


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open for sign-up")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPPORTUNITY_TRANSITIONS: dict[str, set[str]] = {
    OpportunityStatus.OPEN: {OpportunityStatus.CLOSED, OpportunityStatus.CANCELLED},
    OpportunityStatus.CLOSED: {OpportunityStatus.OPEN, OpportunityStatus.CANCELLED},
    OpportunityStatus.CANCELLED: set(),
}


@pghistory.track(*audited())
class Opportunity(models.Model):
    """Something volunteers can sign up for: from a petition, from a micro-wish, or an organisation's
    own event."""

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("organisation"),
    )
    petition = models.ForeignKey(
        "petitions.Petition",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("petition"),
    )
    wish = models.ForeignKey(
        "Wish",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("micro-wish"),
    )
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    region_path = models.CharField(max_length=255, editable=False)  # copy of region.path for scoping
    address = models.CharField(_("address"), max_length=200, blank=True)
    service_type = models.ForeignKey(ServiceType, models.PROTECT, related_name="+", verbose_name=_("service type"))
    skills = ArrayField(models.CharField(max_length=32), default=list, blank=True, verbose_name=_("skills needed"))
    during = DateTimeRangeField(_("time"))
    places = models.PositiveSmallIntegerField(_("places"))
    insurance_required = models.BooleanField(_("accident insurance required"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("volunteer opportunity")
        verbose_name_plural = _("volunteer opportunities")
        indexes = [
            models.Index(fields=["status", "-id"], name="opportunity_status"),
            models.Index(fields=["region_path", "-id"], name="opportunity_region"),
            GistIndex(fields=["during"], name="opportunity_during"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(places__gt=0), name="opportunity_has_places"),
            models.CheckConstraint(condition=Q(during__isempty=False), name="opportunity_time_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title


class SignupStatus(models.TextChoices):
    ACTIVE = "active", _("Signed up")
    CANCELLED = "cancelled", _("Cancelled")


@pghistory.track(*audited())
class Signup(models.Model):
    """A volunteer's place on an opportunity. ``during`` copies the opportunity's time so the
    database can refuse a second active sign-up of the same volunteer that overlaps it."""

    opportunity = models.ForeignKey(Opportunity, models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, models.PROTECT, related_name="signups")
    during = DateTimeRangeField(_("time"))
    status = models.CharField(_("status"), max_length=16, choices=SignupStatus.choices, default=SignupStatus.ACTIVE)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        constraints = [
            ExclusionConstraint(
                name="signup_no_double_booking",
                expressions=[("volunteer", RangeOperators.EQUAL), ("during", RangeOperators.OVERLAPS)],
                condition=Q(status="active"),
            ),
        ]
        indexes = [models.Index(fields=["opportunity", "status"], name="signup_opportunity")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} → {self.opportunity_id}"


class WishStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting verification")
    PUBLISHED = "published", _("On the wish wall")
    CLAIMED = "claimed", _("Claimed")
    FULFILLED = "fulfilled", _("Fulfilled")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Not accepted")


WISH_TRANSITIONS: dict[str, set[str]] = {
    WishStatus.SUBMITTED: {WishStatus.PUBLISHED, WishStatus.REJECTED},
    WishStatus.PUBLISHED: {WishStatus.CLAIMED},
    # A claim released (by its claimant or by beat when it goes stale) puts the wish back on the wall.
    WishStatus.CLAIMED: {WishStatus.FULFILLED, WishStatus.PUBLISHED},
    WishStatus.FULFILLED: {WishStatus.CONFIRMED},
    WishStatus.CONFIRMED: set(),
    WishStatus.REJECTED: set(),
}


@pghistory.track(*audited())
class Wish(models.Model):
    """A micro-wish (微心愿): a book, a fan, a schoolbag for a resident in need. On the public wall
    the resident is shown only by a pseudonym and their community."""

    class Source(models.TextChoices):
        STAFF = "staff", _("Community staff")
        GRID = "grid", _("Grid leader")
        MEETING = "meeting", _("Residents' meeting")
        VISIT = "visit", _("Household visit")

    class Claimant(models.TextChoices):
        VOLUNTEER = "volunteer", _("Volunteer")
        PARTY_MEMBER = "party_member", _("Party member")
        ORGANISATION = "organisation", _("Organisation")

    code = models.CharField(_("wish number"), max_length=12, unique=True, editable=False)
    title = models.CharField(_("wish"), max_length=80)
    story = models.TextField(_("why it matters"), blank=True)
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("community"))
    region_path = models.CharField(max_length=255, editable=False)
    pseudonym = models.CharField(_("pseudonym"), max_length=32)
    resident_name = models.CharField(_("resident's name"), max_length=64)
    resident_phone = models.CharField(_("resident's phone"), max_length=20, blank=True)
    source = models.CharField(_("collected at"), max_length=16, choices=Source.choices, default=Source.STAFF)
    status = models.CharField(_("status"), max_length=16, choices=WishStatus.choices, default=WishStatus.SUBMITTED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("collected on"), default=timezone.now)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    claimant_kind = models.CharField(_("claimed as"), max_length=16, choices=Claimant.choices, blank=True)
    claimant_label = models.CharField(_("claimed by"), max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    proof = models.TextField(_("how it was fulfilled"), blank=True)
    # A photo of the wish fulfilled: only the re-encoded copy without EXIF (petitions.photos), and a
    # thumbnail made once when it is stored. Shown to the staff of the wish's region.
    proof_photo = models.ImageField(_("photo"), upload_to="wishes/proof/%Y/%m/", blank=True)
    proof_thumbnail = models.ImageField(upload_to="wishes/thumbs/%Y/%m/", blank=True, editable=False)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        indexes = [
            models.Index(fields=["status", "-id"], name="wish_status"),
            models.Index(fields=["region_path", "-id"], name="wish_region"),
            models.Index(fields=["claimed_at"], name="wish_claimed", condition=Q(status="claimed")),
        ]

    def __str__(self) -> str:
        return self.code


class HoursStatus(models.TextChoices):
    OPEN = "open", _("Checked in")
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


HOURS_TRANSITIONS: dict[str, set[str]] = {
    HoursStatus.OPEN: {HoursStatus.PENDING},
    HoursStatus.PENDING: {HoursStatus.APPROVED, HoursStatus.REJECTED},
    HoursStatus.APPROVED: set(),
    HoursStatus.REJECTED: set(),
}


@pghistory.track(*audited())
class ServiceHours(models.Model):
    """Time a volunteer served (服务时长): checked in and out on a phone, or entered by a coordinator;
    counted once a coordinator approves it. Edits are audited like every domain row."""

    class Source(models.TextChoices):
        CHECK_IN = "check_in", _("Check-in on a phone")
        COORDINATOR = "coordinator", _("Entered by a coordinator")

    volunteer = models.ForeignKey(Volunteer, models.PROTECT, related_name="hours")
    opportunity = models.ForeignKey(Opportunity, models.PROTECT, null=True, blank=True, related_name="hours")
    region_path = models.CharField(max_length=255, editable=False)  # where it was served, for scoping
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=HoursStatus.choices, default=HoursStatus.OPEN)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        indexes = [
            models.Index(fields=["status", "region_path", "-id"], name="hours_queue"),
            models.Index(fields=["volunteer", "status"], name="hours_volunteer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")), name="hours_end_after_start"
            ),
            models.UniqueConstraint(fields=["volunteer"], condition=Q(status="open"), name="hours_one_open_check_in"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}: {self.minutes} min"


@pghistory.track(*audited())
class Certificate(models.Model):
    """A certificate of volunteer service (志愿服务记录证明), issued free. It keeps what it printed, so
    the public verification page shows exactly that and nothing more."""

    number = models.CharField(_("certificate number"), max_length=20, unique=True, editable=False)
    volunteer = models.ForeignKey(Volunteer, models.PROTECT, related_name="certificates")
    volunteer_number = models.CharField(_("volunteer number"), max_length=12)
    masked_id = models.CharField(_("national ID (masked)"), max_length=18)
    minutes = models.PositiveIntegerField(_("approved minutes"))
    services = models.CharField(_("services"), max_length=300)
    issuer = models.CharField(_("issuing organisation"), max_length=100)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.number

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)
