from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

from accounts.twofactor import otp_required

_OPEN_PREFIXES = ("/static/", "/i18n/", "/health/", "/accounts/otp/", "/accounts/logout/")


class TwoFactorRequiredMiddleware:
    """Until a user who needs a second factor has passed it, every page leads to the OTP step."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and not user.is_verified()
            and otp_required(user)
        ):
            return redirect(f"{reverse('accounts:otp')}?next={request.get_full_path()}")
        return self.get_response(request)
