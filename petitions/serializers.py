"""Shapes of the petitions API: input serializers parse and validate, output serializers render.

No business rule lives here (STYLE.md): scope checks on ids and the format of the phone number
are input parsing; every transition rule is in ``petitions.services``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.validators import normalize_cn_mobile
from core.masking import mask_name
from core.parsers import StrictBooleanField
from grids.models import HandlingUnit, Region
from grids.permissions import within
from petitions import selectors, timeline
from petitions.models import (
    UNFIXED_OUTCOME_CHOICES,
    Category,
    Channel,
    Deadline,
    Evaluation,
    Event,
    Klass,
    Outcome,
    Petition,
    Status,
)

# --- Output ------------------------------------------------------------------------------------------


# The small shapes every list row nests are declared field by field: a ModelSerializer would
# inspect its model's fields again for every response (docs/performance.md).


class CategoryOut(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class RegionOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Region.Kind.choices, read_only=True)


class UnitOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=HandlingUnit.Kind.choices, read_only=True)


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


class DeadlineOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Deadline.Kind.choices, read_only=True)
    due_at = serializers.DateTimeField(read_only=True)
    paused_at = serializers.DateTimeField(read_only=True, allow_null=True)
    warned_at = serializers.DateTimeField(read_only=True, allow_null=True)
    breached_at = serializers.DateTimeField(read_only=True, allow_null=True)


class PetitionSummaryOut(serializers.ModelSerializer):
    """One row of the list: masked personal data, no timeline."""

    status_display = serializers.CharField(source="status_label", read_only=True)
    # Blank until triage: declared, because read-only model fields lose allow_blank (and the schema with it).
    klass = serializers.ChoiceField(choices=Klass.choices, allow_blank=True, read_only=True)
    # Blank until answered: fixed, or closed without a fix and why.
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    category = CategoryOut(read_only=True)
    region = RegionOut(read_only=True)
    unit = UnitOut(read_only=True, allow_null=True)
    claimed_by = serializers.SerializerMethodField()
    # The running ones, soonest first (``selectors.with_running_deadlines``).
    deadlines = DeadlineOut(source="running_deadlines", many=True, read_only=True)
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
            "outcome",
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

    @extend_schema_field(PersonRefOut(allow_null=True))
    def get_claimed_by(self, petition: Petition) -> dict | None:
        user = petition.claimed_by
        return {"id": user.pk, "name": str(user)} if user else None

    @extend_schema_field(PersonalDataOut)
    def get_personal(self, petition: Petition) -> dict:
        return selectors.masked_personal_data(petition)


class EventOut(serializers.ModelSerializer):
    from_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    to_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    actor = serializers.SerializerMethodField()
    label = serializers.SerializerMethodField(help_text=_("What happened, in the request's language."))
    details = serializers.SerializerMethodField(
        help_text=_("What the system records about it (channel, deadline, escalation, outcome …), in words.")
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "kind",
            "action",
            "label",
            "details",
            "from_status",
            "to_status",
            "actor",
            "public",
            "text",
            "data",
            "created_at",
        ]
        read_only_fields = fields

    def get_label(self, event: Event) -> str:
        return timeline.label(event)

    def get_details(self, event: Event) -> list[str]:
        return timeline.lines(event, self.context.get("units") or {})

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

    @extend_schema_field(PetitionRefOut(allow_null=True))
    def get_merged_into(self, petition: Petition) -> dict | None:
        target = petition.merged_into
        return {"id": target.pk, "tracking_code": target.tracking_code} if target else None

    @extend_schema_field(EventOut(many=True))
    def get_timeline(self, petition: Petition) -> list[dict]:
        context = {"reporter_id": petition.reporter_id}
        events = self.context.get("timeline", [])
        context = {**context, "units": timeline.unit_names(events)}
        return EventOut(events, many=True, context=context).data


class PetitionPageOut(serializers.Serializer):
    """One keyset page of the queue; follow ``next`` (null on the last page)."""

    results = PetitionSummaryOut(many=True)
    next = serializers.URLField(allow_null=True)


class PetitionCreatedOut(serializers.Serializer):
    tracking_code = serializers.CharField()
    evaluation_token = serializers.CharField(
        required=False, help_text=_("Only when a resident files for themselves: the private evaluation token.")
    )
    petition = PetitionSummaryOut(
        help_text=_("The item as a list row shows it; staff find its details at the Location.")
    )


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
    """The opaque keyset cursor. Anything malformed means the first page (``core.pagination``),
    never an error."""

    def to_internal_value(self, data) -> str | None:
        return data if isinstance(data, str) and data else None


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


class _CodeField(serializers.SlugRelatedField):
    """A row named by its code. An overlong value is refused here: no code looks like that."""

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data) > 64:
            self.fail("invalid")
        return super().to_internal_value(data)


def _cn_mobile(value: str) -> str:
    return normalize_cn_mobile(value) if value else ""


class PetitionCreateIn(serializers.Serializer):
    """Intake through the API. ``context["file_paths"]`` limits the regions (None: anywhere)."""

    category = _CodeField(slug_field="code", queryset=Category.objects.filter(is_active=True))
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all())
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
    anonymous = StrictBooleanField(required=False, default=False)
    solved_on_spot = StrictBooleanField(required=False, default=False)
    on_spot_note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

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
    """``unit`` and ``co_units`` must be active units the caller can see (``context["units"]``): any
    other id is refused as one that does not exist."""

    klass = serializers.ChoiceField(choices=Klass.choices)
    unit = serializers.PrimaryKeyRelatedField(queryset=HandlingUnit.objects.none())
    co_units = serializers.PrimaryKeyRelatedField(
        queryset=HandlingUnit.objects.none(), many=True, required=False, default=list
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        units = self.context.get("units", HandlingUnit.objects.none()).filter(is_active=True)
        self.fields["unit"].queryset = units
        self.fields["co_units"].child_relation.queryset = units


class SelfHandleIn(serializers.Serializer):
    klass = serializers.ChoiceField(choices=Klass.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MergeIn(serializers.Serializer):
    """``into`` must be an item the caller may triage (``context["petitions"]``, a scoped queryset)."""

    into = serializers.PrimaryKeyRelatedField(queryset=Petition.objects.none())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = self.context.get("petitions", Petition.objects.none())


class ProgressIn(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    public = StrictBooleanField(required=False, default=True)


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


class CloseUnfixedIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=UNFIXED_OUTCOME_CHOICES)
    reply = serializers.CharField(max_length=5000)


class CloseIn(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class NoteIn(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    public = StrictBooleanField(required=False, default=False)


class RatingIn(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Evaluation.Rating.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TokenEvaluationIn(RatingIn):
    """The private evaluation link: tracking code plus its signed token."""

    code = serializers.CharField(max_length=16)
    token = serializers.CharField(max_length=100)

    def validate_code(self, value: str) -> str:
        return value.strip().upper()
