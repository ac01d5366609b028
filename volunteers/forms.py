"""Forms of the volunteers app: registration (with its weekly windows) and opportunities."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import normalize_cn_mobile
from core.forms import PortalFormMixin
from core.inputs import BoundedDateField
from grids.models import Region
from volunteers import identity
from volunteers.models import Availability, Membership, Organisation, ServiceType, Wish
from volunteers.services import Window


def _skills(text: str) -> list[str]:
    parts = text.replace("，", ",").replace("、", ",").split(",")
    return [p.strip() for p in parts if p.strip()]


class RegistrationForm(PortalFormMixin, forms.Form):
    real_name = forms.CharField(label=_("Real name"), max_length=64)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    national_id = forms.CharField(
        label=_("National ID number"),
        max_length=18,
        help_text=_("Stored encrypted and shown to others only masked; your volunteer number is what others see."),
    )
    region = forms.ModelChoiceField(label=_("Home community"), queryset=Region.objects.none())
    service_types = forms.ModelMultipleChoiceField(
        label=_("Service types"), queryset=ServiceType.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    skills = forms.CharField(
        label=_("Skills"), required=False, max_length=300, help_text=_("Separated by commas, e.g. first aid, tutoring")
    )
    insured_until = forms.DateField(
        label=_("Accident insurance valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    guardian_name = forms.CharField(label=_("Guardian's name (under 18 only)"), max_length=64, required=False)
    guardian_phone = forms.CharField(label=_("Guardian's mobile phone (under 18 only)"), max_length=20, required=False)
    guardian_consent = forms.BooleanField(label=_("The guardian consents to this registration"), required=False)
    consent = forms.BooleanField(
        label=_("I agree that the portal keeps these data to organise volunteer service (consent text version %s).")
    )

    def __init__(self, *args, consent_version: str = "", regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.all() if regions is None else regions
        self.fields["region"].queryset = regions.filter(level__gte=3, level__lte=4).order_by("path")
        self.fields["service_types"].queryset = ServiceType.objects.filter(active=True)
        self.fields["service_types"].widget.attrs["class"] = "form-check-input"
        self.fields["consent"].label = self.fields["consent"].label % consent_version
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["national_id"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_phone(self) -> str:
        return normalize_cn_mobile(self.cleaned_data["phone"])

    def clean_guardian_phone(self) -> str:
        value = self.cleaned_data["guardian_phone"]
        return normalize_cn_mobile(value) if value.strip() else ""

    def clean_national_id(self) -> str:
        return identity.validate(self.cleaned_data["national_id"])

    def clean_skills(self) -> list[str]:
        return _skills(self.cleaned_data["skills"])


class AvailabilityForm(PortalFormMixin, forms.Form):
    compact = True
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=[("", "—"), *Availability.Weekday.choices], coerce=int, required=False
    )
    start = forms.TimeField(label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self):
        data = super().clean()
        weekday, start, end = data.get("weekday"), data.get("start"), data.get("end")
        if weekday in (None, "") and not start and not end:
            return data
        if weekday in (None, "") or not start or not end:
            raise ValidationError(_("Give the weekday, the start and the end of each window."))
        if end <= start:
            raise ValidationError(_("An availability window must end after it starts."))
        return data

    def window(self) -> Window | None:
        data = self.cleaned_data
        if data.get("weekday") in (None, ""):
            return None
        return Window(data["weekday"], data["start"], data["end"])


AvailabilityFormSet = forms.formset_factory(AvailabilityForm, extra=3, max_num=7, absolute_max=7)


class OpportunityForm(PortalFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    service_type = forms.ModelChoiceField(label=_("Service type"), queryset=ServiceType.objects.none())
    skills = forms.CharField(
        label=_("Skills needed"), required=False, max_length=300, help_text=_("Separated by commas")
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=500)
    insurance_required = forms.BooleanField(label=_("Accident insurance required"), required=False)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none(), required=False)

    def __init__(self, *args, regions, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["organisation"].queryset = organisations
        self.fields["service_type"].queryset = ServiceType.objects.filter(active=True)

    def clean_skills(self) -> list[str]:
        return _skills(self.cleaned_data["skills"])

    def clean(self):
        data = super().clean()
        day, start, end = data.get("date"), data.get("start"), data.get("end")
        if day and start and end:
            if end <= start:
                self.add_error("end", _("The opportunity must end after it starts."))
            else:
                zone = timezone.get_current_timezone()
                data["starts_at"] = dt.datetime.combine(day, start, tzinfo=zone)
                data["ends_at"] = dt.datetime.combine(day, end, tzinfo=zone)
        return data


class WishForm(PortalFormMixin, forms.Form):
    title = forms.CharField(label=_("The wish"), max_length=80, help_text=_("e.g. a desk lamp for homework"))
    story = forms.CharField(
        label=_("Why it matters"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    region = forms.ModelChoiceField(label=_("Community"), queryset=Region.objects.none())
    pseudonym = forms.CharField(
        label=_("Pseudonym on the wall"), max_length=32, help_text=_("e.g. 王奶奶, 小林同学: never the real name")
    )
    resident_name = forms.CharField(label=_("Resident's real name"), max_length=64)
    resident_phone = forms.CharField(label=_("Resident's phone"), max_length=20, required=False)
    source = forms.ChoiceField(label=_("Collected at"), choices=Wish.Source.choices)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions

    def clean_resident_phone(self) -> str:
        value = self.cleaned_data["resident_phone"]
        return normalize_cn_mobile(value) if value.strip() else ""

    def clean(self):
        data = super().clean()
        name, pseudonym = data.get("resident_name", ""), data.get("pseudonym", "")
        if name and pseudonym and name.strip() in pseudonym:
            self.add_error("pseudonym", _("The pseudonym must not contain the resident's real name."))
        return data


class ClaimForm(PortalFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("I claim it as"), choices=Wish.Claimant.choices)
    label = forms.CharField(
        label=_("Shown on the wall as"), max_length=100, help_text=_("Your volunteer number, name or organisation")
    )


class FulfilForm(PortalFormMixin, forms.Form):
    proof = forms.CharField(
        label=_("How the wish was fulfilled"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("A JPEG, PNG or WEBP photo of the wish fulfilled; its location data is removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_photo(self):
        """Checked by its content (petitions.photos): the copy kept and its thumbnail are made here."""
        from petitions.photos import check_photo

        upload = self.cleaned_data.get("photo")
        return check_photo(upload) if upload else None


class HoursForm(PortalFormMixin, forms.Form):
    number = forms.CharField(label=_("Volunteer number"), max_length=12)
    region = forms.ModelChoiceField(label=_("Where the service was"), queryset=Region.objects.none())
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False, help_text=_("e.g. the paper sign-in sheet"))

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions

    def clean(self):
        data = super().clean()
        day, start, end = data.get("date"), data.get("start"), data.get("end")
        if day and start and end:
            zone = timezone.get_current_timezone()
            data["starts_at"] = dt.datetime.combine(day, start, tzinfo=zone)
            data["ends_at"] = dt.datetime.combine(day, end, tzinfo=zone)
        return data


class OrganisationForm(PortalFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.Kind.choices)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class MemberForm(PortalFormMixin, forms.Form):
    number = forms.CharField(label=_("Volunteer number"), max_length=12)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class PolicyForm(PortalFormMixin, forms.Form):
    insurer = forms.CharField(label=_("Insurer"), max_length=100)
    number = forms.CharField(label=_("Policy number"), max_length=64)
    starts_on = BoundedDateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = BoundedDateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    insured = forms.IntegerField(label=_("People insured"), min_value=0, max_value=100_000, initial=0)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] <= data["starts_on"]:
            self.add_error("ends_on", _("The policy must end after it starts."))
        return data


class ProfileForm(PortalFormMixin, forms.Form):
    """What a volunteer changes themself; the name, ID number and home region stay as registered."""

    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    service_types = forms.ModelMultipleChoiceField(
        label=_("Service types"), queryset=ServiceType.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    skills = forms.CharField(
        label=_("Skills"), required=False, max_length=300, help_text=_("Separated by commas, e.g. first aid, tutoring")
    )
    insured_until = BoundedDateField(
        label=_("Accident insurance valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_types"].queryset = ServiceType.objects.filter(active=True)
        self.fields["service_types"].widget.attrs["class"] = "form-check-input"
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean_phone(self) -> str:
        return normalize_cn_mobile(self.cleaned_data["phone"])

    def clean_skills(self) -> list[str]:
        return _skills(self.cleaned_data["skills"])
