from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Scope
from accounts.validators import normalize_cn_mobile
from core.forms import PortalFormMixin

BAD_CREDENTIALS = _("The username or password is not correct. Check them and try again.")
BAD_PHONE_CREDENTIALS = _("The phone number or password is not correct. Check them and try again.")
INACTIVE = _("This account is disabled. Ask your administrator.")


class _LoginForm(PortalFormMixin, forms.Form):
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def _authenticate(self, error, **credentials) -> None:
        user = authenticate(self.request, **credentials)
        if user is None:
            raise ValidationError(error, code="invalid_login")
        if not user.is_active:
            raise ValidationError(INACTIVE, code="inactive")
        self.user = user


class StaffLoginForm(_LoginForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    field_order = ["username", "password"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            self._authenticate(BAD_CREDENTIALS, username=cleaned["username"], password=cleaned["password"])
        return cleaned


class ResidentLoginForm(_LoginForm):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "autofocus": True}),
    )
    field_order = ["phone", "password"]

    def clean_phone(self) -> str:
        return normalize_cn_mobile(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            self._authenticate(BAD_PHONE_CREDENTIALS, phone=cleaned["phone"], password=cleaned["password"])
        return cleaned


class OTPTokenForm(PortalFormMixin, forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise ValidationError(_("The code has six digits."), code="invalid")
        return token


TOKEN_MAX_DAYS = 5 * 366


class ApiTokenForm(PortalFormMixin, forms.Form):
    """A new API token: under which role assignment, a name, its scopes, an optional expiry date.

    The scopes offered are those of the chosen assignment's role; ``accounts.tokens`` refuses
    anything beyond them whatever the browser sends.
    """

    assignment = forms.TypedChoiceField(label=_("Role it acts as"), coerce=int)
    name = forms.CharField(
        label=_("Name"),
        max_length=64,
        help_text=_("What uses the token, for example “district dashboard” or “12345 hotline bridge”."),
    )
    scopes = forms.MultipleChoiceField(label=_("Scopes"), widget=forms.CheckboxSelectMultiple)
    expires_on = forms.DateField(
        label=_("Expires after"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The token stops working at the end of this day (Beijing time). Leave empty for no expiry."),
    )

    def __init__(self, *args, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.tokens import allowed_scopes

        self.assignments = {a.pk: a for a in assignments}
        self.fields["assignment"].choices = [(a.pk, assignment_label(a)) for a in assignments]
        chosen = self._chosen_assignment()
        offered = allowed_scopes(chosen) if chosen else []
        self.fields["scopes"].choices = [(value, label) for value, label in Scope.choices if value in offered]
        self.fields["scopes"].widget.attrs.pop("class", None)  # checkboxes take their own classes

    def _chosen_assignment(self):
        raw = self.data.get("assignment") if self.is_bound else self.initial.get("assignment")
        try:
            return self.assignments.get(int(raw))
        except (TypeError, ValueError):
            return next(iter(self.assignments.values()), None)

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        today = timezone.localdate()
        if day < today:
            raise ValidationError(_("Choose today or a later day."), code="past")
        if day > today + dt.timedelta(days=TOKEN_MAX_DAYS):
            raise ValidationError(_("Choose a day within five years."), code="too_far")
        return day

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        expires_at = None
        if data["expires_on"]:
            next_day = data["expires_on"] + dt.timedelta(days=1)
            expires_at = timezone.make_aware(dt.datetime.combine(next_day, dt.time.min))
        return {
            "assignment": self.assignments[data["assignment"]],
            "name": data["name"],
            "scopes": data["scopes"],
            "expires_at": expires_at,
        }


def assignment_label(assignment) -> str:
    parts = [str(assignment.get_role_display()), assignment.region.name]
    if assignment.unit_id:
        parts.append(assignment.unit.name)
    return " · ".join(parts)
