"""Residents' livelihood petitions (民生诉求) and their closed loop: collect → handle → evaluate.

Deadlines live in their own indexed rows (``Deadline``) so the beat sweep finds what is due with one
partial-index scan and marks it with a compare-and-set: running it twice acts once.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from core.choices import choice_label
from grids.models import HandlingUnit, Region


class Channel(models.TextChoices):
    """Where an item came in (DESIGN.md, micro-platform)."""

    GRID = "grid", _("Grid leader")
    PARTY_STATION = "party_station", _("Party-member discussion station")
    SELF_GOVERNANCE = "self_governance", _("Residents' self-governance station")
    SERVICE_WINDOW = "service_window", _("Service-centre window")
    MEETING = "meeting", _("Residents' meeting")
    WECHAT = "wechat", _("WeChat")
    PHONE = "phone", _("Phone")
    WEB = "web", _("Public web form")
    API = "api", _("REST API")
    OPEN311 = "open311", _("Open311")


class Klass(models.TextChoices):
    """Triage class (事项分类)."""

    ROUTINE = "routine", _("Routine (handle at once)")
    GENERAL = "general", _("General (handle within the period)")
    MAJOR = "major", _("Major (joint handling)")


class Level(models.IntegerChoices):
    """Who is in charge: 小事不出社区, 大事不出镇街."""

    COMMUNITY = 3, _("Community")
    STREET = 2, _("Street")
    DISTRICT = 1, _("District")


class Status(models.TextChoices):
    NEW = "new", _("Awaiting triage")
    ASSIGNED = "assigned", _("Routed, awaiting acceptance")
    ACCEPTED = "accepted", _("In progress")
    WAITING = "waiting", _("Waiting for the resident")
    REPLIED = "replied", _("Replied, awaiting evaluation")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged into another item")


class Outcome(models.TextChoices):
    """How an answered item ended (结案): fixed, or closed without a fix and why. Every figure that
    says "resolved" counts only the fixed ones; the others are counted apart (reports/metrics.py)."""

    FIXED = "fixed", _("Fixed")
    OUTSIDE_REMIT = "outside_remit", _("Outside our remit")
    NOT_POSSIBLE = "not_possible", _("Cannot be done under current policy")
    WITHDRAWN = "withdrawn", _("Withdrawn by the resident")
    DUPLICATE = "duplicate", _("Duplicate of another report")


UNFIXED_OUTCOMES = tuple(o for o in Outcome if o != Outcome.FIXED)
UNFIXED_OUTCOME_CHOICES = [(o.value, o.label) for o in UNFIXED_OUTCOMES]

OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.ACCEPTED, Status.WAITING)
# Replied to the resident or closed: the items the "resolved" figures are about (反馈办结).
ANSWERED_STATUSES = (Status.REPLIED, Status.CLOSED)

# What "resolved the first time" and "on time" mean, once: stored columns computed by PostgreSQL from
# the item's own row, so the queue's filters, the reports' SQL and the exports read the same answer.
# (Plain strings: the expressions are written into migrations.)
_ANSWERED = [str(status) for status in ANSWERED_STATUSES]
FIRST_TIME = Q(status__in=_ANSWERED, rework_count=0, return_count=0, outcome=Outcome.FIXED.value)
ON_TIME = Case(
    When(~Q(status__in=_ANSWERED), then=Value(None)),
    When(Q(resolve_by__isnull=True) | Q(replied_at__lte=F("resolve_by")), then=Value(True)),
    default=Value(False),
)

# The state machine: action → (allowed from, to). ``None`` as target keeps the status.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "triage": (frozenset({Status.NEW}), Status.ASSIGNED),
    "self_handle": (frozenset({Status.NEW}), Status.ACCEPTED),
    "merge": (frozenset({Status.NEW, Status.ASSIGNED}), Status.MERGED),
    "accept": (frozenset({Status.ASSIGNED}), Status.ACCEPTED),
    "return": (frozenset({Status.ASSIGNED, Status.ACCEPTED}), Status.NEW),
    "progress": (frozenset({Status.ACCEPTED}), None),
    "meeting": (frozenset({Status.ACCEPTED}), None),
    "request_info": (frozenset({Status.ACCEPTED}), Status.WAITING),
    "resume": (frozenset({Status.WAITING}), Status.ACCEPTED),
    "reply": (frozenset({Status.ACCEPTED}), Status.REPLIED),
    # Closed without a fix (outside remit, not possible, withdrawn, duplicate) from any open status:
    # the explanation is the reply, and the resident may still evaluate how they were treated.
    "close_unfixed": (frozenset({Status.NEW, Status.ASSIGNED, Status.ACCEPTED, Status.WAITING}), Status.REPLIED),
    "evaluate_ok": (frozenset({Status.REPLIED}), Status.CLOSED),
    "evaluate_rework": (frozenset({Status.REPLIED}), Status.ACCEPTED),
    "close": (frozenset({Status.REPLIED}), Status.CLOSED),
    "reopen": (frozenset({Status.CLOSED}), Status.ACCEPTED),
    "note": (frozenset(Status.values) - {Status.MERGED}, None),
}


@pghistory.track(*audited())
class Category(models.Model):
    """A petition category (诉求类别): names in both languages, editable by admins."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=64)
    default_unit_kind = models.CharField(
        _("usual handling unit kind"), max_length=32, choices=HandlingUnit.Kind.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    open311_description = models.CharField(_("Open311 description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


@pghistory.track(*audited())
class DeadlinePolicy(models.Model):
    """Time limits per class (and optionally category), in working time; admins edit them."""

    klass = models.CharField(_("class"), max_length=16, choices=Klass.choices)
    category = models.ForeignKey(Category, models.CASCADE, null=True, blank=True, verbose_name=_("category"))
    triage_hours = models.DecimalField(_("triage within (working hours)"), max_digits=6, decimal_places=2, default=7.5)
    accept_hours = models.DecimalField(_("accept within (working hours)"), max_digits=6, decimal_places=2)
    update_days = models.DecimalField(
        _("progress update every (working days)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    meeting_days = models.DecimalField(
        _("joint meeting within (working days)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    resolve_days = models.DecimalField(_("resolve within (working days)"), max_digits=6, decimal_places=2)
    warn_fraction = models.DecimalField(
        _("warn when this share of the time is used"), max_digits=3, decimal_places=2, default=0.8
    )

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        constraints = [
            models.UniqueConstraint(fields=["klass"], condition=Q(category__isnull=True), name="policy_default"),
            models.UniqueConstraint(fields=["klass", "category"], name="policy_per_category"),
        ]

    def __str__(self) -> str:
        return f"{self.get_klass_display()} · {self.category or '*'}"


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    fields=[
        "status",
        "klass",
        "level",
        "region",
        "unit",
        "category",
        "claimed_by",
        "merged_into",
        "reporter_name",
        "reporter_phone",
        "address",
        "rework_count",
        "escalation_count",
    ],
    model_name="PetitionAudit",
)
class Petition(models.Model):
    """A resident's livelihood petition (民生诉求)."""

    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # No index of its own on the foreign keys below that lead an index in Meta (petition_duplicates,
    # petition_by_unit): a second index only costs every insert and update (docs/performance.md).
    category = models.ForeignKey(
        Category, models.PROTECT, related_name="petitions", verbose_name=_("category"), db_index=False
    )
    klass = models.CharField(_("class"), max_length=16, choices=Klass.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    level = models.PositiveSmallIntegerField(_("level in charge"), choices=Level.choices, default=Level.COMMUNITY)

    region = models.ForeignKey(Region, models.PROTECT, related_name="petitions", verbose_name=_("region"))
    region_path = models.CharField(max_length=255, editable=False)  # copy of region.path for scoping
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    search_text = models.TextField(editable=False, blank=True)  # normalized text for duplicate search

    anonymous = models.BooleanField(_("anonymous"), default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="petitions_reported"
    )
    reporter_name = models.CharField(_("resident's name"), max_length=64, blank=True)
    reporter_phone = models.CharField(_("resident's phone"), max_length=11, blank=True)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="petitions_filed"
    )
    # The language the resident filed in: their texts are written in it (blank: the portal's).
    # ``db_default``: bulk loaders that COPY an explicit column list may leave it out.
    language = models.CharField(_("resident's language"), max_length=16, blank=True, default="", db_default="")

    unit = models.ForeignKey(
        HandlingUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("handling unit"),
        db_index=False,
    )
    co_units = models.ManyToManyField(
        HandlingUnit, blank=True, related_name="co_petitions", verbose_name=_("co-handling units")
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="petitions_claimed"
    )
    merged_into = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="merged")

    solved_on_spot = models.BooleanField(_("solved on the spot"), default=False)
    rework_count = models.PositiveSmallIntegerField(_("rework count"), default=0)
    escalation_count = models.PositiveSmallIntegerField(_("escalations"), default=0)
    # Times a unit sent the item back as wrongly routed (退回); first-time resolution needs none.
    # ``db_default``: bulk loaders that COPY an explicit column list may leave it out.
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0, db_default=0)
    # Working minutes (core.worktime) from filing to the latest reply, set with the reply: the
    # reports average it in SQL. NULL until replied (or for rows loaded in bulk; see reports).
    work_minutes_to_reply = models.PositiveIntegerField(null=True, blank=True, editable=False)
    reply = models.TextField(_("reply to the resident"), blank=True)
    # Set with the reply: fixed, or why not (``Outcome``). ``db_default``: bulk loaders may leave it out.
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True, default="", db_default=""
    )

    created_at = models.DateTimeField(_("filed at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolve_by = models.DateTimeField(_("resolve by"), null=True, blank=True)
    # The soonest running (unpaused) deadline: the "due soonest" order of the queue.
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True, editable=False)
    paused_at = models.DateTimeField(_("clock paused at"), null=True, blank=True)

    # Replied or closed without any rework (不满意 → 返工) and without being returned as wrongly routed.
    first_time = models.GeneratedField(
        verbose_name=_("resolved the first time"),
        expression=Case(When(FIRST_TIME, then=Value(True)), default=Value(False)),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    # Replied by the resolution deadline (true when it never had one); null while not replied.
    on_time = models.GeneratedField(
        verbose_name=_("replied on time"),
        expression=ON_TIME,
        output_field=models.BooleanField(null=True),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        indexes = [
            # The triage queue: open items, newest first, keyset on id, inside a region subtree.
            models.Index(
                fields=["region_path", "-id"],
                name="petition_open_by_region",
                opclasses=["varchar_pattern_ops", "int8_ops"],
                condition=Q(status__in=["new", "assigned", "accepted", "waiting"]),
            ),
            # The same, walked newest first with the scope's prefix checked inside the index: a
            # street's (or district's) page reads its 26 rows and the index entries between them,
            # not every newer item of other streets in the heap, so a deep page costs the same in a
            # city as in a district. A grid's or community's few items still come from the index above.
            models.Index(
                fields=["-id", "region_path"],
                name="petition_open_by_id_region",
                opclasses=["int8_ops", "varchar_pattern_ops"],
                condition=Q(status__in=["new", "assigned", "accepted", "waiting"]),
            ),
            models.Index(
                fields=["status", "-id"],
                name="petition_open_by_status",
                condition=Q(status__in=["new", "assigned", "accepted", "waiting"]),
            ),
            # "Due soonest": walked in (next_due_at, id) order; region_path in the key lets the scope's
            # prefix be checked inside the index, so a street's deep page does not visit every other
            # street's rows in the heap. Replaces the former (next_due_at, id) index, a prefix of it.
            models.Index(
                fields=["next_due_at", "id", "region_path"],
                name="petition_open_by_due_region",
                opclasses=["timestamptz_ops", "int8_ops", "varchar_pattern_ops"],
                condition=Q(status__in=["new", "assigned", "accepted", "waiting"]),
            ),
            # Queue filtered by category: that category's open items newest first, the scope's prefix
            # checked inside the index — not every item of the category ever filed, and the heap read
            # only for the scope's own rows (replaces (category, region_path, -id), which sorted them).
            models.Index(
                fields=["category", "-id", "region_path"],
                name="petition_open_by_category_id",
                opclasses=["int8_ops", "int8_ops", "varchar_pattern_ops"],
                condition=Q(status__in=["new", "assigned", "accepted", "waiting"]),
            ),
            models.Index(fields=["unit", "-id"], name="petition_by_unit"),
            models.Index(
                fields=["region_path", "-id"], name="petition_by_region", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
            models.Index(fields=["category", "region", "-created_at"], name="petition_duplicates"),
            models.Index(fields=["created_at"], name="petition_created"),
            # The reports' refresh finds the months whose items changed since its last run.
            models.Index(fields=["updated_at"], name="petition_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status="merged"), name="petition_merged_has_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    # Lists show these on every row: cheaper than get_FOO_display() (core/choices.py).
    @property
    def status_label(self) -> str:
        return choice_label(Status, self.status)

    @property
    def klass_label(self) -> str:
        return choice_label(Klass, self.klass)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@pghistory.track(*audited())
class Deadline(models.Model):
    """One time limit of one petition. The sweep acts on rows that are neither met nor paused."""

    class Kind(models.TextChoices):
        TRIAGE = "triage", _("Triage")
        ACCEPT = "accept", _("Acceptance")
        UPDATE = "update", _("Progress update")
        MEETING = "meeting", _("Joint meeting")
        RESOLVE = "resolve", _("Resolution")

    petition = models.ForeignKey(
        Petition, models.CASCADE, related_name="deadlines", db_index=False
    )  # deadline_petition
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField(_("warn at"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        indexes = [
            # The breach sweep's deadlines, with their petition: an index-only read of the few not yet
            # breached. Keyed on ``due_at`` alone, it cost as much to the planner as ``deadline_running``,
            # which it took, reading every breached deadline still running from the heap (46 against
            # 3.5 ms on the district).
            models.Index(
                fields=["due_at", "petition"],
                name="deadline_to_breach",
                condition=Q(met_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at"],
                name="deadline_to_warn",
                condition=Q(met_at__isnull=True, paused_at__isnull=True, warned_at__isnull=True),
            ),
            models.Index(fields=["petition", "kind"], name="deadline_petition"),
            # Overdue items still running (the board, the "overdue" filter), breached or not.
            models.Index(
                fields=["due_at"], name="deadline_running", condition=Q(met_at__isnull=True, paused_at__isnull=True)
            ),
        ]
        constraints = [
            # At most one running deadline of each kind per petition.
            models.UniqueConstraint(
                fields=["petition", "kind"], condition=Q(met_at__isnull=True), name="deadline_one_open_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        """The kind for a list's row (core/choices.py)."""
        return choice_label(self.Kind, self.kind)


class Event(models.Model):
    """The timeline: every transition, note, deadline change, escalation and evaluation."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("Status change")
        NOTE = "note", _("Note")
        DEADLINE = "deadline", _("Deadline")
        WARNING = "warning", _("Deadline warning")
        ESCALATION = "escalation", _("Escalation")
        EVALUATION = "evaluation", _("Evaluation")
        MEETING = "meeting", _("Joint meeting")
        LINKED = "linked", _("Linked record")  # written by another app (``petitions.extensions``)

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="timeline", db_index=False)  # event_timeline
    kind = models.CharField(max_length=16, choices=Kind.choices)
    action = models.CharField(max_length=32, blank=True)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    public = models.BooleanField(default=False)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["petition", "id"], name="event_timeline")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.kind} {self.action}"


@pghistory.track(*audited())
class Evaluation(models.Model):
    """满意 / 基本满意 / 不满意 by the resident, a staff callback (回访) or a third party."""

    class Source(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        CALLBACK = "callback", _("Callback by staff")
        THIRD_PARTY = "third_party", _("Third party")

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASIC = "basic", _("Basically satisfied")
        UNSATISFIED = "unsatisfied", _("Unsatisfied")

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="evaluations")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    rating = models.CharField(_("rating"), max_length=16, choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True)
    round = models.PositiveSmallIntegerField(default=0)  # the petition's rework_count when evaluated
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The reports' refresh finds evaluations recorded since its last run (third-party ones
        # leave the petition's ``updated_at`` alone).
        indexes = [models.Index(fields=["created_at"], name="evaluation_created")]
        constraints = [
            # One resident evaluation per round of handling.
            models.UniqueConstraint(
                fields=["petition", "round"], condition=Q(source="resident"), name="one_resident_evaluation_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.rating}"


@pghistory.track(*audited())
class Photo(models.Model):
    petition = models.ForeignKey(Petition, models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="petitions/%Y/%m/")
    public_image = models.ImageField(upload_to="petitions/public/%Y/%m/", blank=True)  # location data stripped
    # A small copy for the staff pages, made once when the photo is stored (petitions.photos).
    thumbnail = models.ImageField(upload_to="petitions/thumbs/%Y/%m/", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.image.name


class MonthlySnapshot(models.Model):
    """月月清零: per region and month, what was still open and overdue at month end."""

    month = models.DateField(_("month"))  # first day of the month
    region = models.ForeignKey(Region, models.CASCADE, related_name="+")
    open_count = models.PositiveIntegerField(_("open items"))
    overdue_count = models.PositiveIntegerField(_("overdue items"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "region"], name="snapshot_once_per_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_id}"
