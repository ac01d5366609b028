"""Account writes: second-factor enrolment, the language a person reads."""

from __future__ import annotations

import enum
import time

import pghistory
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.twofactor import pending_device


class TotpResult(enum.Enum):
    OK = "ok"
    INVALID = "invalid"
    REUSED = "reused"  # a right code, already used once: wait for the next one
    THROTTLED = "throttled"  # too many wrong codes in a row (django-otp's throttling)


@transaction.atomic
def totp_verify(*, request: HttpRequest, token: str) -> TotpResult:
    """Check ``token`` against the user's confirmed device, or confirm the pending one.

    On success the session counts as verified (django-otp). django-otp throttles repeated
    failures per device and refuses a code used before; the result says which, so the page can
    say what to do (a reused code is not a clock problem).
    """
    user = request.user
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = pending_device(user)
    allowed, _why = device.verify_is_allowed()
    if not allowed:
        return TotpResult.THROTTLED
    if not device.verify_token(token):
        return TotpResult.REUSED if _was_used(device, token) else TotpResult.INVALID
    if enrolling:
        with pghistory.context(action="totp_enrol", user=user.pk):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return TotpResult.OK


def _was_used(device: TOTPDevice, token: str) -> bool:
    """Whether ``token`` is valid now but for a time step the device has already accepted."""
    if not token.isdigit():
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return bool(totp.verify(int(token), device.tolerance, 0)) and totp.t() <= device.last_t


def user_set_language(*, user, language: str) -> None:
    """Remember the language ``user`` reads (their notifications and e-mails use it)."""
    codes = {code for code, _name in settings.LANGUAGES}
    language = (language or "").lower()
    if language in codes and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
