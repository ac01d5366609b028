"""Shapes of the petitions API: input serializers parse and validate, output serializers render.

No business rule lives here (STYLE.md): scope checks on ids and the format of the phone number
are input parsing; every transition rule is in ``petitions.services``.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping

from django.db import connection
from django.db.models import Manager
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from accounts.validators import normalize_cn_mobile
from core.masking import mask_name
from grids.models import HandlingUnit, Region
from grids.permissions import within
from petitions import selectors
from petitions.models import Category, Channel, Deadline, Evaluation, Event, Klass, Petition, Status

# --- Output ------------------------------------------------------------------------------------------


class CategoryOut(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["code", "name"]


class RegionOut(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "name", "code", "kind"]


class UnitOut(serializers.ModelSerializer):
    class Meta:
        model = HandlingUnit
        fields = ["id", "name", "code", "kind"]


class PersonRefOut(serializers.Serializer):
    """A person acting on an item; ``id`` is null when it is the (masked) resident."""

    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class PersonalDataOut(serializers.Serializer):
    """The resident's name, phone and address: masked in lists and details, whole after a reveal."""

    name = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()


class PetitionRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField()


class DeadlineOut(serializers.ModelSerializer):
    class Meta:
        model = Deadline
        fields = ["kind", "due_at", "paused_at", "warned_at", "breached_at"]


# DRF's own formatting of a datetime (the current time zone, ISO 8601, "Z" for UTC), used by the
# hand-written list rows below so they match the generic path exactly.
_DATETIME = serializers.DateTimeField()


def _datetime(value) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


def _datetime_writer() -> Callable[[dt.datetime | None], str | None]:
    """``_datetime`` with the current time zone looked up once (per page, not per value)."""
    zone = _DATETIME.default_timezone()
    if zone is None or str(getattr(_DATETIME, "format", api_settings.DATETIME_FORMAT)).lower() != ISO_8601:
        return _datetime

    def write(value: dt.datetime | None) -> str | None:
        if value is None or value.utcoffset() is None:
            return _datetime(value)  # naive: DRF's own path
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return _datetime(value)  # DRF's own error
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


def _ref(obj) -> dict | None:
    """A region or a handling unit, as ``RegionOut``/``UnitOut`` render it."""
    return None if obj is None else {"id": obj.pk, "name": obj.name, "code": obj.code, "kind": obj.kind}


def _ref_fields(fields: dict | None) -> dict | None:
    """``_ref`` of a region or unit read as values (``selectors.SUMMARY_RELATED``)."""
    if fields is None:
        return None
    return {"id": fields["id"], "name": fields["name"], "code": fields["code"], "kind": fields["kind"]}


# A stand-in id: the detail URL is resolved once per page and each row's id put in its place.
_URL_ID = 987654321987654321


class _SummaryWriter:
    """Writes ``PetitionSummaryOut`` rows from ``selectors.SummaryRow``s (or model instances),
    with what every row of a page shares worked out once: the status labels, the detail URL, the
    time zone, and the name of each category and claimer (through the models' own rules)."""

    def __init__(self, request) -> None:
        # Labels looked up once, not through get_status_display (and gettext) per row.
        self.status_labels = {value: str(label) for value, label in Status.choices}
        url = reverse("petitions_api:petition_detail", kwargs={"pk": _URL_ID}, request=request)
        self.url_head, self.url_tail = url.rsplit(str(_URL_ID), 1)
        self.datetime = _datetime_writer()
        self.names = selectors.RowNames()

    def category(self, fields: dict) -> dict:
        return {"code": fields["code"], "name": self.names.category(fields)}  # as the request's language asks

    def person(self, fields: dict | None) -> dict | None:
        return None if fields is None else {"id": fields["id"], "name": self.names.person(fields)}

    def __call__(self, row: selectors.SummaryRow | Petition) -> dict:
        if not isinstance(row, selectors.SummaryRow):
            row = selectors.summary_row(row)
        when = self.datetime
        return {
            "id": row.id,
            "url": f"{self.url_head}{row.id}{self.url_tail}",
            "tracking_code": row.tracking_code,
            "title": row.title,
            "status": row.status,
            "status_display": self.status_labels.get(row.status, row.status),
            "klass": row.klass,
            "level": row.level,
            "channel": row.channel,
            "category": self.category(row.category),
            "region": _ref_fields(row.region),
            "unit": _ref_fields(row.unit),
            "claimed_by": self.person(row.claimed_by),
            "anonymous": row.anonymous,
            "personal": selectors.masked_personal_data(row),
            "solved_on_spot": row.solved_on_spot,
            "rework_count": row.rework_count,
            "escalation_count": row.escalation_count,
            "created_at": when(row.created_at),
            "updated_at": when(row.updated_at),
            "replied_at": when(row.replied_at),
            "closed_at": when(row.closed_at),
            "resolve_by": when(row.resolve_by),
            "paused_at": when(row.paused_at),
            "deadlines": [
                {
                    "kind": deadline.kind,
                    "due_at": when(deadline.due_at),
                    "paused_at": when(deadline.paused_at),
                    "warned_at": when(deadline.warned_at),
                    "breached_at": when(deadline.breached_at),
                }
                for deadline in row.deadlines
            ],
        }


class PetitionSummaryListOut(serializers.ListSerializer):
    """Many rows of ``PetitionSummaryOut`` (the API list), written out by hand.

    DRF's generic path rebuilt a ``DeadlineOut`` with its ModelSerializer fields for every row and
    looked up each of the 25 fields through the field machinery; for a page of 25–100 rows that was
    most of the list's time (docs/performance.md). The API list passes the plain rows of
    ``selectors.petition_list_rows``; model instances are written the same way. The keys, order and
    types are exactly those of ``PetitionSummaryOut``, which still declares them for the OpenAPI
    schema and still renders single items; tests/petitions/test_queue_speed.py and test_list_speed.py
    hold the paths equal.
    """

    def to_representation(self, data) -> list[dict]:
        rows = data.all() if isinstance(data, Manager) else data
        write = _SummaryWriter(self.context.get("request"))
        return [write(row) for row in rows]


class PetitionSummaryOut(serializers.ModelSerializer):
    """One row of the list: masked personal data, no timeline."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    # Blank until triage: declared, because read-only model fields lose allow_blank (and the schema with it).
    klass = serializers.ChoiceField(choices=Klass.choices, allow_blank=True, read_only=True)
    category = CategoryOut(read_only=True)
    region = RegionOut(read_only=True)
    unit = UnitOut(read_only=True, allow_null=True)
    claimed_by = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    personal = serializers.SerializerMethodField()
    url = serializers.HyperlinkedIdentityField(view_name="petitions_api:petition_detail", read_only=True)

    class Meta:
        model = Petition
        fields = [
            "id",
            "url",
            "tracking_code",
            "title",
            "status",
            "status_display",
            "klass",
            "level",
            "channel",
            "category",
            "region",
            "unit",
            "claimed_by",
            "anonymous",
            "personal",
            "solved_on_spot",
            "rework_count",
            "escalation_count",
            "created_at",
            "updated_at",
            "replied_at",
            "closed_at",
            "resolve_by",
            "paused_at",
            "deadlines",
        ]
        read_only_fields = fields
        list_serializer_class = PetitionSummaryListOut  # many=True: the hand-written rows

    @extend_schema_field(PersonRefOut(allow_null=True))
    def get_claimed_by(self, petition: Petition) -> dict | None:
        user = petition.claimed_by
        return {"id": user.pk, "name": str(user)} if user else None

    @extend_schema_field(DeadlineOut(many=True))
    def get_deadlines(self, petition: Petition) -> list[dict]:
        return DeadlineOut(selectors.running_deadlines(petition), many=True).data

    @extend_schema_field(PersonalDataOut)
    def get_personal(self, petition: Petition) -> dict:
        return selectors.masked_personal_data(petition)


class EventOut(serializers.ModelSerializer):
    from_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    to_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    actor = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = ["id", "kind", "action", "from_status", "to_status", "actor", "public", "text", "data", "created_at"]
        read_only_fields = fields

    @extend_schema_field(PersonRefOut(allow_null=True))
    def get_actor(self, event: Event) -> dict | None:
        if event.actor is None:
            return None
        if event.actor_id == self.context.get("reporter_id"):
            # The resident acted themselves: their name is personal data, masked like elsewhere.
            return {"id": None, "name": mask_name(str(event.actor))}
        return {"id": event.actor.pk, "name": str(event.actor)}


class EvaluationOut(serializers.ModelSerializer):
    class Meta:
        model = Evaluation
        fields = ["id", "source", "rating", "comment", "round", "created_at"]
        read_only_fields = fields


class PetitionDetailOut(PetitionSummaryOut):
    """The detail: description, reply, co-handlers, evaluations and the timeline (passed in context)."""

    co_units = UnitOut(many=True, read_only=True)
    merged_into = serializers.SerializerMethodField()
    evaluations = EvaluationOut(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()

    class Meta(PetitionSummaryOut.Meta):
        fields = [
            *PetitionSummaryOut.Meta.fields,
            "description",
            "latitude",
            "longitude",
            "reply",
            "co_units",
            "merged_into",
            "evaluations",
            "timeline",
        ]
        read_only_fields = fields
        list_serializer_class = serializers.ListSerializer  # the summary's hand-written rows lack these fields

    @extend_schema_field(PetitionRefOut(allow_null=True))
    def get_merged_into(self, petition: Petition) -> dict | None:
        target = petition.merged_into
        return {"id": target.pk, "tracking_code": target.tracking_code} if target else None

    @extend_schema_field(EventOut(many=True))
    def get_timeline(self, petition: Petition) -> list[dict]:
        context = {"reporter_id": petition.reporter_id}
        return EventOut(self.context.get("timeline", []), many=True, context=context).data

    def to_representation(self, petition: Petition) -> dict:
        """The detail written out by hand, like the list rows (``_SummaryWriter``).

        DRF's generic path built this serializer's 33 fields from the model and those of five
        nested serializers on every call: a third of filing an item through the API
        (docs/performance.md). The keys, order and types are exactly those the declarations above
        give (they still make the OpenAPI schema); tests/petitions/test_intake_speed.py holds the two
        paths equal.
        """
        body = _SummaryWriter(self.context.get("request"))(petition)
        target = petition.merged_into
        body.update(
            description=petition.description,
            latitude=_coordinate(petition.latitude),
            longitude=_coordinate(petition.longitude),
            reply=petition.reply,
            co_units=[_ref(unit) for unit in self._related(petition, "co_units")],
            merged_into={"id": target.pk, "tracking_code": target.tracking_code} if target else None,
            evaluations=[_evaluation(evaluation) for evaluation in self._related(petition, "evaluations")],
            timeline=[_timeline_entry(event, petition.reporter_id) for event in self.context.get("timeline", [])],
        )
        return body

    def _related(self, petition: Petition, name: str):
        """``co_units`` or ``evaluations``: given in the context by a caller that knows them (a new
        item has none), else the item's own."""
        given = self.context.get(name)
        return getattr(petition, name).all() if given is None else given


# What the generic path of ``PetitionDetailOut`` gives, field by field (DRF's own formatting).
_COORDINATE = serializers.DecimalField(max_digits=9, decimal_places=6)


def _coordinate(value) -> str | None:
    return None if value is None else _COORDINATE.to_representation(value)


def _evaluation(evaluation: Evaluation) -> dict:
    """One ``EvaluationOut``."""
    return {
        "id": evaluation.pk,
        "source": str(evaluation.source),
        "rating": str(evaluation.rating),
        "comment": evaluation.comment,
        "round": evaluation.round,
        "created_at": _datetime(evaluation.created_at),
    }


def _timeline_entry(event: Event, reporter_id: int | None) -> dict:
    """One ``EventOut``: the resident acting themselves is masked like elsewhere."""
    actor = event.actor
    if actor is None:
        person = None
    elif event.actor_id == reporter_id:
        person = {"id": None, "name": mask_name(str(actor))}
    else:
        person = {"id": actor.pk, "name": str(actor)}
    return {
        "id": event.pk,
        "kind": str(event.kind),
        "action": event.action,
        "from_status": str(event.from_status),
        "to_status": str(event.to_status),
        "actor": person,
        "public": event.public,
        "text": event.text,
        "data": event.data,
        "created_at": _datetime(event.created_at),
    }


class PetitionPageOut(serializers.Serializer):
    """One keyset page of the queue; follow ``next`` (null on the last page)."""

    results = PetitionSummaryOut(many=True)
    next = serializers.URLField(allow_null=True)


class PetitionCreatedOut(serializers.Serializer):
    tracking_code = serializers.CharField()
    evaluation_token = serializers.CharField(
        required=False, help_text=_("Only when a resident files for themselves: the private evaluation token.")
    )
    petition = PetitionDetailOut()


class ActionResultOut(serializers.Serializer):
    petition = PetitionSummaryOut()
    evaluation = EvaluationOut(required=False, help_text=_("Callback and third-party evaluations only."))


class EvaluationResultOut(serializers.Serializer):
    tracking_code = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_display = serializers.CharField()
    evaluation = EvaluationOut()


# --- Input: listing ----------------------------------------------------------------------------------


class _CursorField(serializers.Field):
    """The opaque keyset cursor. Anything malformed means the first page, never an error."""

    def to_internal_value(self, data) -> str | None:
        if not isinstance(data, str) or not data or len(data) > 200 or "\x00" in data:
            return None
        return data


class ListParams(serializers.Serializer):
    """Paging parameters; the filters themselves belong to ``PetitionFilter``."""

    DEFAULT_SIZE = 25
    MAX_SIZE = 100

    cursor = _CursorField(required=False)
    page_size = serializers.CharField(required=False, allow_blank=True)

    def validate_page_size(self, value: str) -> int:
        # Like DRF's paginators: a malformed size means the default, a large one the maximum.
        try:
            size = int(value)
        except (TypeError, ValueError):
            return self.DEFAULT_SIZE
        return max(1, min(size, self.MAX_SIZE))


# --- Input: intake -----------------------------------------------------------------------------------


class _Found:
    """A related field that takes its row from what its serializer found beforehand for the same
    value (``PetitionCreateIn.to_internal_value``); otherwise the field looks it up itself, with its
    own errors."""

    def to_internal_value(self, data):
        value, row = getattr(self.parent, "_found", {}).get(self.field_name, (None, None))
        if row is not None and type(value) is type(data) and value == data:
            return row
        return super().to_internal_value(data)


class _CodeField(_Found, serializers.SlugRelatedField):
    """A row named by its code. A NUL byte or an overlong value is refused here: PostgreSQL would
    reject it as a query parameter (a server error), and no code looks like that."""

    def to_internal_value(self, data):
        if isinstance(data, str) and ("\x00" in data or len(data) > 64):
            self.fail("invalid")
        return super().to_internal_value(data)


class _IdField(_Found, serializers.PrimaryKeyRelatedField):
    pass


def _well_formed_code(value) -> bool:
    return isinstance(value, str) and "\x00" not in value and 0 < len(value) <= 64


def _well_formed_id(value) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        value = int(value)
    return value if type(value) is int and 0 < value < 2**63 else None


def _active_category_and_region(code: str, region_id: int) -> tuple[Category | None, Region | None]:
    """The active category ``code`` and the region ``region_id`` (None for either that does not
    exist) in one query, instead of one each."""
    quote = connection.ops.quote_name
    models = ((Category, "c"), (Region, "r"))
    columns = ", ".join(f"{alias}.{quote(f.column)}" for model, alias in models for f in model._meta.concrete_fields)
    with connection.cursor() as cursor:
        sql = (
            f"SELECT {columns} FROM (VALUES (1)) AS one (x)"  # noqa: S608 (names from the models; values are parameters)
            f" LEFT JOIN {quote(Category._meta.db_table)} c ON c.code = %s AND c.is_active"
            f" LEFT JOIN {quote(Region._meta.db_table)} r ON r.id = %s"
        )
        cursor.execute(sql, [code, region_id])
        values = cursor.fetchone()
    rows = []
    for model, _alias in models:
        fields = model._meta.concrete_fields
        own, values = values[: len(fields)], values[len(fields) :]
        rows.append(None if own[0] is None else model.from_db(connection.alias, [f.attname for f in fields], own))
    return rows[0], rows[1]


def _cn_mobile(value: str) -> str:
    return normalize_cn_mobile(value) if value else ""


class PetitionCreateIn(serializers.Serializer):
    """Intake through the API. ``context["file_paths"]`` limits the regions (None: anywhere)."""

    category = _CodeField(slug_field="code", queryset=Category.objects.filter(is_active=True))
    region = _IdField(queryset=Region.objects.all())
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=5000)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True, default=None
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True, default=None
    )
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.API)
    reporter_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    reporter_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    anonymous = serializers.BooleanField(required=False, default=False)
    solved_on_spot = serializers.BooleanField(required=False, default=False)
    on_spot_note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def get_fields(self) -> dict[str, serializers.Field]:
        # DRF deep-copies the declared fields for every instance, building each anew from its
        # arguments (~0.2 ms here); binding a field only sets attributes of its own, so a shallow
        # copy is enough.
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    def to_internal_value(self, data):
        # Both rows in one query when both values look right; the fields use what was found here.
        if isinstance(data, Mapping):
            code, given_id = self.fields["category"].get_value(data), self.fields["region"].get_value(data)
            region_id = _well_formed_id(given_id)
            if _well_formed_code(code) and region_id is not None:
                category, region = _active_category_and_region(code, region_id)
                self._found = {"category": (code, category), "region": (given_id, region)}
        return super().to_internal_value(data)

    def validate_reporter_phone(self, value: str) -> str:
        return _cn_mobile(value)

    def validate_region(self, region: Region) -> Region:
        paths = self.context.get("file_paths")
        if paths is not None and not within(region.path, paths):
            raise serializers.ValidationError(_("You cannot file items for this region."))
        return region


# --- Input: transitions ------------------------------------------------------------------------------


class EmptyIn(serializers.Serializer):
    pass


class TriageIn(serializers.Serializer):
    klass = serializers.ChoiceField(choices=Klass.choices)
    unit = serializers.PrimaryKeyRelatedField(queryset=HandlingUnit.objects.filter(is_active=True))
    co_units = serializers.PrimaryKeyRelatedField(
        queryset=HandlingUnit.objects.filter(is_active=True), many=True, required=False, default=list
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SelfHandleIn(serializers.Serializer):
    klass = serializers.ChoiceField(choices=Klass.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MergeIn(serializers.Serializer):
    """``into`` must be an item the caller can see (``context["petitions"]``, a scoped queryset)."""

    into = serializers.PrimaryKeyRelatedField(queryset=Petition.objects.none())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = self.context.get("petitions", Petition.objects.none())


class ProgressIn(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    public = serializers.BooleanField(required=False, default=True)


class MeetingIn(serializers.Serializer):
    decision = serializers.CharField(max_length=5000)
    participants = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class RequestInfoIn(serializers.Serializer):
    question = serializers.CharField(max_length=2000)


class ResumeIn(serializers.Serializer):
    answer = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReplyIn(serializers.Serializer):
    reply = serializers.CharField(max_length=5000)


class CloseIn(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class NoteIn(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    public = serializers.BooleanField(required=False, default=False)


class RatingIn(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Evaluation.Rating.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TokenEvaluationIn(RatingIn):
    """The private evaluation link: tracking code plus its signed token."""

    code = serializers.CharField(max_length=16)
    token = serializers.CharField(max_length=100)

    def validate_code(self, value: str) -> str:
        return value.strip().upper()
