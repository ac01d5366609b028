from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
