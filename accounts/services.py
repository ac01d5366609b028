"""Account writes: second-factor enrolment."""

from __future__ import annotations

import pghistory
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
