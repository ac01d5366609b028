"""TOTP second factor (django-otp): available to every staff user, required for admins."""

from __future__ import annotations

from django.conf import settings
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from grids.permissions import has_role


def otp_required(user) -> bool:
    """Admins (and superusers) must pass a second factor; others only once they enrolled."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or has_role(user, *settings.OTP_REQUIRED_ROLES):
        return True
    return user_has_device(user, confirmed=True)


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device used during enrolment, created on first visit."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    return device
