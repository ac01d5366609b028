"""Account writes: second-factor enrolment, the language a person reads."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.twofactor import pending_device


@transaction.atomic
def totp_verify(*, request: HttpRequest, token: str) -> bool:
    """Check ``token`` against the user's confirmed device, or confirm the pending one.

    On success the session counts as verified (django-otp). django-otp throttles repeated
    failures per device.
    """
    user = request.user
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = pending_device(user)
    if not device.verify_token(token):
        return False
    if enrolling:
        with pghistory.context(action="totp_enrol", user=user.pk):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return True


def user_set_language(*, user, language: str) -> None:
    """Remember the language ``user`` reads (their notifications and e-mails use it)."""
    codes = {code for code, _name in settings.LANGUAGES}
    language = (language or "").lower()
    if language in codes and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
