"""Forms of intake and of the public pages: staff intake (grid leader, service window), the
resident's web form, the status check and the resident's evaluation."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.validators import normalize_cn_mobile
from core.forms import PortalFormMixin
from grids.models import Region
from grids.permissions import ACTION_ROLES, assignments, scope_by_region
from grids.roles import Role
from petitions import duplicates, permissions, photos
from petitions.models import Category, Channel, Evaluation

# Channels a person can enter by hand; the API and Open311 are machine clients.
STAFF_CHANNELS = [c for c in Channel if c not in (Channel.API, Channel.OPEN311)]
PUBLIC_LEVELS = (3, 4, 5)  # community / village, compound, grid


def region_options(regions: Iterable[Region]) -> list:
    """Grouped choices for a region select: one group per community, compounds and grids indented
    below it (a street-level node forms its own group). One query for the group names."""
    regions = sorted(regions, key=lambda r: r.path)
    group_paths = {r.ancestor_paths()[2] for r in regions if r.level >= 3}
    names = dict(Region.objects.filter(path__in=group_paths).values_list("path", "name"))
    present = {r.path for r in regions}
    groups: dict[str, list] = {}
    for region in regions:
        if region.level >= 3:
            key = region.ancestor_paths()[2]
            label = names.get(key, region.name)
        else:
            key, label = region.path, region.name
        # Indent below the ancestors that are options too (a lone grid is not indented).
        indent = "— " * sum(1 for path in region.ancestor_paths()[2:-1] if path in present)
        groups.setdefault(key, [label, []])[1].append((str(region.pk), f"{indent}{region.name}"))
    return [(label, options) for label, options in groups.values()]


class MultipleImageInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ``PETITION_MAX_PHOTOS`` images, checked by content; cleans to ``CheckedPhoto``s."""

    widget = MultipleImageInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp")

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        single_clean = super().clean
        self.passed = []  # the photos that passed, kept if the form comes back (``keep_photos``)
        return photos.check_photos([single_clean(f, initial) for f in files if f], passed=self.passed)


class HeldPhotosField(forms.MultipleChoiceField):
    """The photos kept from the last try (``photos.photos_hold``): ticked boxes, one per photo."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos kept from your last try"))
        kwargs.setdefault("help_text", _("Untick a photo to leave it out."))
        super().__init__(**kwargs)


class _RegionChoiceField(forms.ChoiceField):
    """A select of regions; ``regions`` sets the allowed nodes and the grouped options."""

    def set_regions(self, regions: Iterable[Region], *, grouped: bool = True) -> None:
        self.regions = {str(r.pk): r for r in regions}
        options = region_options(self.regions.values()) if grouped else [(pk, "") for pk in self.regions]
        self.choices = [("", _("Choose a place")), *options]

    def clean(self, value):
        value = super().clean(value)
        return self.regions.get(str(value)) if value else None


class _PetitionFields(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True).order_by("code"),
        empty_label=_("Choose a category"),
    )
    region = _RegionChoiceField(
        label=_("Place"),
        help_text=_("The community, compound or grid where the problem is."),
        error_messages={"invalid_choice": _("Choose one of the places in the list.")},
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("Building, unit or landmark, e.g. “Building 3, by the bike shed”."),
    )
    title = forms.CharField(label=_("Title"), max_length=120, help_text=_("A few words, e.g. “Street light out”."))
    description = forms.CharField(label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    photos = PhotosField(label=_("Photos"))
    held_photos = HeldPhotosField()

    def filing(self) -> dict:
        """Keyword arguments of ``photos.petition_file_with_photos`` from the cleaned form (new photos
        first, then the kept ones, checked again)."""
        fields = ("category", "region", "address", "title", "description")
        reporter = ("anonymous", "reporter_name", "reporter_phone")  # from _ReporterFields
        found = {name: self.cleaned_data[name] for name in (*fields, *reporter)}
        found["photos"] = [*self.cleaned_data["photos"], *photos.photos_reopen(self.kept_photos())]
        return found

    def kept_photos(self) -> list[photos.HeldPhoto]:
        return [self.held[token] for token in self.cleaned_data.get("held_photos") or []]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _("Up to %(count)d photos (JPEG, PNG or WEBP, at most %(size)s each).") % {
            "count": settings.PETITION_MAX_PHOTOS,
            "size": filesizeformat(settings.PETITION_MAX_PHOTO_BYTES),
        }
        self.fields["photos"].widget.attrs.update(
            {
                # The browser checks type and size before anything is sent (static/js/photos.js).
                "data-max-bytes": settings.PETITION_MAX_PHOTO_BYTES,
                "data-max-count": settings.PETITION_MAX_PHOTOS,
                "data-too-large": _("“%(name)s” is larger than %(limit)s.")
                % {"name": "{name}", "limit": filesizeformat(settings.PETITION_MAX_PHOTO_BYTES)},
                "data-not-image": _("“%(name)s” is not a JPEG, PNG or WEBP image.") % {"name": "{name}"},
                "data-too-many": _("Choose at most %(limit)d photos (you chose %(count)d).")
                % {"limit": settings.PETITION_MAX_PHOTOS, "count": 999_999},
            }
        )
        tokens = self.data.getlist("held_photos") if self.is_bound and hasattr(self.data, "getlist") else []
        try:
            kept = photos.photos_held(tokens)
            self.held_expired = False
        except ValidationError:
            kept, self.held_expired = [], True
        self.held = {photo.token: photo for photo in kept}
        self.fields["held_photos"].choices = [(photo.token, photo.label) for photo in kept]

    def clean(self):
        cleaned = super().clean()
        if self.held_expired:
            self.add_error("photos", _("A kept photo has expired: choose it again."))
        count = len(cleaned.get("photos") or []) + len(cleaned.get("held_photos") or [])
        if count > settings.PETITION_MAX_PHOTOS:
            self.add_error("photos", photos.too_many(count))
        return cleaned

    def keep_photos(self) -> None:
        """When the form comes back (an error, a rate limit): keep the new photos that passed their
        checks, so nothing is chosen twice."""
        passed = getattr(self.fields["photos"], "passed", None)
        if not passed:
            return
        held = photos.photos_hold(passed)
        data = self.data.copy()
        data.setlist("held_photos", [*data.getlist("held_photos"), *(photo.token for photo in held)])
        self.data = data  # the page draws the kept boxes ticked, from the data
        self.held.update({photo.token: photo for photo in held})
        self.fields["held_photos"].choices = [(photo.token, photo.label) for photo in self.held.values()]


class _ReporterFields(forms.Form):
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    reporter_name = forms.CharField(label=_("Name"), max_length=64, required=False)
    reporter_phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def _clean_reporter(self, data: dict) -> None:
        if data.get("anonymous"):
            data["reporter_name"], data["reporter_phone"] = "", ""
            return
        if not (data.get("reporter_name") or "").strip():
            self.add_error("reporter_name", _("Enter the name, or tick “Anonymous”."))
        phone = (data.get("reporter_phone") or "").strip()
        if not phone:
            self.add_error("reporter_phone", _("Enter a mobile phone number, or tick “Anonymous”."))
            return
        try:
            data["reporter_phone"] = normalize_cn_mobile(phone)
        except ValidationError as exc:
            self.add_error("reporter_phone", exc)


def _file_roles() -> frozenset[str]:
    return ACTION_ROLES[permissions.FILE]


def intake_regions(user):
    """The nodes a staff member may file into: their FILE scope below the district level."""
    qs = Region.objects.filter(level__gte=2)
    return scope_by_region(qs, user=user, action=permissions.FILE, path_lookup="path").order_by("path")


def default_region(user) -> Region | None:
    """The first grid of the user's filing assignments; else the first node they file for."""
    mine = [a.region for a in assignments(user) if a.role in _file_roles()]
    grid = next((r for r in mine if r.kind == Region.Kind.GRID), None)
    return grid or (mine[0] if mine else None)


class IntakeForm(PortalFormMixin, _PetitionFields, _ReporterFields):
    """Staff intake: a grid leader on a phone, or service-window staff taking in a walk-in."""

    channel = forms.ChoiceField(label=_("Channel"), choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    solved_on_spot = forms.BooleanField(label=_("Solved on the spot"), required=False)
    on_spot_note = forms.CharField(
        label=_("How it was solved"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    attach_to = forms.IntegerField(required=False, widget=forms.HiddenInput)

    field_order = [
        "category",
        "region",
        "address",
        "title",
        "description",
        "photos",
        "held_photos",
        "anonymous",
        "reporter_name",
        "reporter_phone",
        "channel",
        "solved_on_spot",
        "on_spot_note",
    ]

    def __init__(self, *args, user, **kwargs):
        self.user = user
        home = default_region(user)
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("region", str(home.pk) if home else "")
        is_grid_leader = any(a.role == Role.GRID_LEADER for a in assignments(user))
        initial.setdefault("channel", Channel.GRID if is_grid_leader else Channel.SERVICE_WINDOW)
        super().__init__(*args, **kwargs)
        self.fields["region"].set_regions(intake_regions(user))
        self.fields["anonymous"].label = _("The resident wishes to stay anonymous")
        self.fields["reporter_name"].label = _("Resident's name")
        self.fields["reporter_phone"].label = _("Resident's mobile phone")
        self.fields["reporter_phone"].help_text = _("The resident checks the status with its last four digits.")

    def filing(self) -> dict:
        data = self.cleaned_data
        extra = {name: data[name] for name in ("channel", "solved_on_spot", "on_spot_note", "attach_to")}
        return super().filing() | extra | {"filed_by": self.user}

    def clean(self):
        data = super().clean()
        self._clean_reporter(data)
        if data.get("solved_on_spot") and not (data.get("on_spot_note") or "").strip():
            self.add_error("on_spot_note", _("Say briefly how it was solved on the spot."))
        attach = data.get("attach_to")
        if attach and data.get("category") and data.get("region"):
            target = (
                duplicates.candidates(user=self.user, category=data["category"], region=data["region"])
                .filter(pk=attach)
                .first()
            )
            if target is None:
                self.add_error(
                    None, _("That item can no longer take new reports. Save this report on its own instead.")
                )
            data["attach_to"] = target
        else:
            data["attach_to"] = None
        return data


class DuplicateLookupForm(forms.Form):
    """What the duplicate check reads from the intake form while it is being filled in."""

    category = forms.ModelChoiceField(queryset=Category.objects.filter(is_active=True))
    region = _RegionChoiceField()
    title = forms.CharField(max_length=120, required=False)
    description = forms.CharField(max_length=4000, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].set_regions(intake_regions(user), grouped=False)  # never rendered


class PublicReportForm(PortalFormMixin, _PetitionFields, _ReporterFields):
    """The resident's web form (channel "web"), for signed-in residents and visitors alike."""

    street = forms.ChoiceField(label=_("Street or town"), error_messages={"required": _("Choose the street or town.")})

    field_order = [
        "street",
        "region",
        "address",
        "category",
        "title",
        "description",
        "photos",
        "held_photos",
        "reporter_name",
        "reporter_phone",
        "anonymous",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        streets = Region.objects.filter(level=2).order_by("path")
        self.fields["street"].choices = [("", _("Choose a street or town")), *((str(s.pk), s.name) for s in streets)]
        self.fields["street"].widget.attrs.update(
            {
                "hx-get": reverse("petitions:public_regions"),
                "hx-target": "#id_region",
                "hx-swap": "innerHTML",
                "hx-trigger": "change",
            }
        )
        street_id = self.data.get("street") if self.is_bound else self.initial.get("street")
        self.fields["region"].set_regions(public_regions(street_id))
        self.fields["anonymous"].label = _("File anonymously")
        self.fields["anonymous"].help_text = _(
            "Without a name and phone number you can follow the item only through the private link "
            "shown once after filing."
        )
        self.fields["reporter_phone"].help_text = _("You check the status with its last four digits.")

    def clean(self):
        data = super().clean()
        self._clean_reporter(data)
        region = data.get("region")
        if "region" in self.errors and not data.get("street"):
            self.errors["region"] = self.error_class([_("Choose the street or town first, then the place.")])
        elif region is not None and region.level not in PUBLIC_LEVELS:
            self.add_error("region", _("Choose one of the places in the list."))
        return data


def public_regions(street_id) -> list[Region]:
    """Communities, compounds and grids of one street (none when no valid street is chosen)."""
    try:
        street = Region.objects.get(pk=int(street_id), level=2)
    except (TypeError, ValueError, Region.DoesNotExist):
        return []
    return list(Region.objects.filter(path__startswith=street.path, level__in=PUBLIC_LEVELS).order_by("path"))


class StatusCheckForm(PortalFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}),
    )
    phone_last4 = forms.RegexField(
        label=_("Last four digits of your mobile phone"),
        regex=r"^\d{4}$",
        error_messages={"invalid": _("Enter four digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "4"}),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()


class EvaluationForm(PortalFormMixin, forms.Form):
    rating = forms.ChoiceField(
        label=_("How satisfied are you with the result?"),
        choices=Evaluation.Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose satisfied, basically satisfied or unsatisfied.")},
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("rating") == Evaluation.Rating.UNSATISFIED and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Tell us what is still wrong, so it can be put right."))
        return data
