"""Forms of grid work, styled by ``core.forms``; the services check every rule again."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import PortalFormMixin
from core.inputs import BoundedDateField
from gridwork import permissions
from gridwork.models import MAX_HOURS, ServiceItem, Visit
from gridwork.services import findings_from_text
from petitions.filters import RegionChoiceField
from petitions.models import Category


class _GridChoiceField(RegionChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


def _no_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("A field day cannot be in the future."), code="future")


class FieldDayForm(PortalFormMixin, forms.Form):
    """A day in the grid in a few taps: most fields come filled in."""

    grid = _GridChoiceField(queryset=None, label=_("Grid"), empty_label=None)
    date = BoundedDateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), validators=[_no_future]
    )
    hours = forms.DecimalField(
        label=_("Hours in the grid"),
        min_value=0,
        max_value=MAX_HOURS,
        max_digits=4,
        decimal_places=1,
        initial=4,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        error_messages={
            "max_value": _("Hours must be between 0 and 24."),
            "min_value": _("Hours must be between 0 and 24."),
        },
    )
    households = forms.IntegerField(
        label=_("Households reached"),
        min_value=0,
        max_value=10_000,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    findings = forms.CharField(
        label=_("What you found"),
        required=False,
        help_text=_("One finding per line. Each one can become a petition in one step."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        grids = permissions.regions(user, permissions.LOG_FIELD_DAY, levels=(5,)).order_by("path")
        self.fields["grid"].queryset = grids

    def logging(self) -> dict:
        data = self.cleaned_data
        return {
            "grid": data["grid"],
            "date": data["date"],
            "hours": data["hours"],
            "households": data["households"],
            "notes": data["notes"],
            "findings": findings_from_text(data["findings"]),
        }


class FileFromForm(PortalFormMixin, forms.Form):
    """One step from a finding (or a resolution) to a petition: the category is all it needs."""

    compact = True
    category = forms.ModelChoiceField(queryset=Category.objects.filter(is_active=True), label=_("Category"))
    address = forms.CharField(label=_("Address"), required=False, max_length=200)


class WishFromForm(PortalFormMixin, forms.Form):
    """One step from a visit's follow-up (or a resolution) to a micro-wish (volunteers app)."""

    compact = True
    title = forms.CharField(label=_("The wish"), max_length=80, help_text=_("e.g. a desk lamp for homework"))
    pseudonym = forms.CharField(
        label=_("Pseudonym on the wall"), max_length=32, help_text=_("e.g. 王奶奶, 小林同学: never the real name")
    )
    resident_name = forms.CharField(label=_("Resident's real name"), max_length=64)
    resident_phone = forms.CharField(label=_("Resident's phone"), max_length=20, required=False)
    story = forms.CharField(label=_("Why it matters"), max_length=500, required=False)

    def __init__(self, *args, resident_optional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if resident_optional:  # a visit: the head of household of the register, unless given
            self.fields["resident_name"].required = False
            self.fields["resident_name"].help_text = _("Leave empty for the head of household.")
            self.fields["resident_phone"].help_text = _("Leave empty for the household's phone.")


class _KindChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


def _held(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("Record a meeting once it has been held."), code="future")


class MeetingForm(PortalFormMixin, forms.Form):
    """A residents' meeting: kind, when and where, who took part, topics and what it resolved."""

    kind = _KindChoiceField(queryset=None, label=_("Kind of meeting"), empty_label=None)
    date = BoundedDateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), validators=[_held]
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    region = RegionChoiceField(queryset=None, label=_("Region"), empty_label=None)
    participants = forms.IntegerField(
        label=_("Participants"),
        min_value=0,
        max_value=100_000,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    officials = forms.CharField(
        label=_("Officials present"),
        required=False,
        help_text=_("Names and posts, one per line."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    topics = forms.CharField(label=_("Topics"), widget=forms.Textarea(attrs={"rows": 3}))
    resolutions = forms.CharField(
        label=_("Resolutions"),
        required=False,
        help_text=_("One resolution per line. Each one can become a petition in one step."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, petition=None, **kwargs):
        from gridwork import selectors

        initial = {"date": timezone.localdate()}
        if petition is not None:
            initial.update({"topics": petition.title, "region": petition.region_id})
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        kinds = selectors.meeting_kinds_for(user=user)
        if petition is not None:
            kinds = kinds.filter(is_joint=True)
        self.fields["kind"].queryset = kinds
        self.fields["region"].queryset = permissions.regions(
            user, permissions.RECORD_MEETING, levels=(2, 3, 4, 5)
        ).order_by("path")

    def recording(self) -> dict:
        data = self.cleaned_data
        fields = ("kind", "date", "place", "region", "participants", "officials", "topics")
        return {**{name: data[name] for name in fields}, "resolutions": findings_from_text(data["resolutions"])}


class ResolutionForm(PortalFormMixin, forms.Form):
    compact = True
    text = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 2}))


class _NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class ReceptionForm(PortalFormMixin, forms.Form):
    """首问接待: who asked what at the window, the answer, and where they were referred."""

    centre = _NamedChoiceField(queryset=None, label=_("Service centre"), empty_label=None)
    question = forms.CharField(label=_("What the resident asked"), widget=forms.Textarea(attrs={"rows": 2}))
    service = _NamedChoiceField(queryset=None, label=_("Service item"), required=False)
    answer = forms.CharField(label=_("Answer"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    referred_to = forms.CharField(
        label=_("Referred to"),
        required=False,
        max_length=120,
        help_text=_("The office or unit the resident was sent to, when the window could not settle it."),
    )
    resident_name = forms.CharField(label=_("Resident's name"), required=False, max_length=64)
    resident_phone = forms.CharField(
        label=_("Resident's phone"), required=False, max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )

    def __init__(self, *args, user, **kwargs):
        from gridwork import selectors

        super().__init__(*args, **kwargs)
        centres = selectors.centres_for_reception(user=user)
        self.fields["centre"].queryset = centres
        self.fields["service"].queryset = ServiceItem.objects.filter(centre__in=centres).order_by(
            "group", "order", "id"
        )

    def recording(self) -> dict:
        return dict(self.cleaned_data)


MAX_REGISTER_BYTES = 2 * 1024 * 1024


class HouseholdForm(PortalFormMixin, forms.Form):
    """A household of the register. Name and phone are never shown here: empty keeps them."""

    building = forms.CharField(label=_("Building"), max_length=16)
    unit = forms.CharField(label=_("Unit"), max_length=16, required=False)
    room = forms.CharField(label=_("Room"), max_length=16)
    members = forms.IntegerField(label=_("Members"), min_value=1, max_value=30)
    grid = RegionChoiceField(queryset=None, label=_("Grid"), required=False)
    head_name = forms.CharField(
        label=_("Head of household"),
        max_length=64,
        required=False,
        help_text=_("Leave empty to keep the name on record."),
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, help_text=_("Leave empty to keep the phone on record.")
    )

    def __init__(self, *args, household, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "building": household.building,
                "unit": household.unit,
                "room": household.room,
                "members": household.members,
                "grid": household.grid_id,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = household.compound.children.filter(level=5).order_by("path")


class StationMemberForm(PortalFormMixin, forms.Form):
    """A station's member. When editing, the name is never shown: empty keeps it."""

    name = forms.CharField(label=_("Name"), max_length=64)
    post = forms.CharField(label=_("Post"), max_length=32, required=False)
    joined_on = BoundedDateField(
        label=_("Joined on"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, member=None, **kwargs):
        if member is not None:
            kwargs.setdefault("initial", {"post": member.post, "joined_on": member.joined_on})
        super().__init__(*args, **kwargs)
        if member is not None:
            self.fields["name"].required = False
            self.fields["name"].help_text = _("Leave empty to keep the name on record.")


class StationMemberRemoveForm(PortalFormMixin, forms.Form):
    confirm = forms.BooleanField(label=_("Yes, remove this member from the station"))


class HouseholdImportForm(PortalFormMixin, forms.Form):
    """A compound's household register as CSV (UTF-8, with or without BOM)."""

    compound = RegionChoiceField(queryset=None, label=_("Compound"), empty_label=None)
    file = forms.FileField(
        label=_("Register file (CSV)"),
        help_text=_(
            "Columns: building, unit, room, head_name, phone, members, grid "
            "(or 幢, 单元, 室, 户主, 电话, 人数, 网格编码)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, user, **kwargs):
        from gridwork import selectors

        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = selectors.compounds_for_import(user=user)

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_REGISTER_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."), code="too_big")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("Save the file as CSV in UTF-8."), code="encoding") from None


class VisitForm(PortalFormMixin, forms.Form):
    visited_on = BoundedDateField(
        label=_("Visited on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Visit.Purpose.choices)
    outcome = forms.CharField(label=_("What came of the visit"), widget=forms.Textarea(attrs={"rows": 2}))
    follow_up = forms.BooleanField(label=_("Follow-up needed"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"visited_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class StationActivityForm(PortalFormMixin, forms.Form):
    date = BoundedDateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    title = forms.CharField(label=_("Activity"), max_length=120)
    participants = forms.IntegerField(label=_("Participants"), min_value=0, max_value=100_000, initial=0)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class StationFileForm(PortalFormMixin, forms.Form):
    """A station member's petition for the station."""

    category = forms.ModelChoiceField(queryset=Category.objects.filter(is_active=True), label=_("Category"))
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    address = forms.CharField(label=_("Address"), required=False, max_length=200)


class DashboardForm(PortalFormMixin, forms.Form):
    """The grid dashboard's region and period (a bad value is a field error, never a 500)."""

    compact = True
    region = RegionChoiceField(queryset=None, label=_("Region"), required=False)
    start = BoundedDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = BoundedDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = permissions.regions(user, permissions.VIEW, levels=(1, 2, 3, 4, 5)).order_by(
            "path"
        )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data
