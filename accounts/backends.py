"""Two ways to sign in: staff with a username, residents with a mobile phone number."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    """Username and password (the default Django check, kept under its own name)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        return super().authenticate(request, username=username, password=password)


class ResidentPhoneBackend(ModelBackend):
    """Mobile phone number (already normalized to 11 digits) and password."""

    def authenticate(self, request, phone=None, password=None, **kwargs):
        if not phone or password is None:
            return None
        user_model = get_user_model()
        try:
            user = user_model.objects.get(phone=phone)
        except user_model.DoesNotExist:
            user_model().set_password(password)  # same cost as a real check: no timing hint
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials: dict) -> str | None:
    """The identity django-axes counts failures against: username or phone."""
    credentials = credentials or {}
    return credentials.get("username") or credentials.get("phone")
