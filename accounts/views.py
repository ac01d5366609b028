from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import tokens
from accounts.forms import ApiTokenForm, OTPTokenForm, ResidentLoginForm, StaffLoginForm
from accounts.home import HomeAction, front_tiles, role_actions, role_panels
from accounts.models import ApiToken
from accounts.services import TotpResult, totp_verify, user_set_language
from accounts.twofactor import pending_device
from core import ratelimit
from core.errors import DomainError
from grids import selectors as grid_selectors
from grids.permissions import assignments, roles_of
from grids.roles import ROLE_DUTIES, Role


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("accounts:home")


_SIGN_IN_GROUP = "sign-in-address"


def _login(request: HttpRequest, form_class, template: str) -> HttpResponse:
    """Sign in. django-axes locks a name tried too often from one address; failures from one
    address over every name (password spraying) are limited here as well."""
    if request.user.is_authenticated and request.method == "GET":
        return redirect("accounts:home")
    if request.method == "POST":
        address = ratelimit.client_ip(request)
        if ratelimit.exhausted(_SIGN_IN_GROUP, address, settings.RATE_SIGN_IN_ADDRESS):
            minutes = max(1, ratelimit.window_seconds(settings.RATE_SIGN_IN_ADDRESS) // 60)
            return render(request, "accounts/lockout.html", {"minutes": minutes, "by_address": True}, status=429)
    form = form_class(request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            auth_login(request, form.user)
            user_set_language(user=form.user, language=request.LANGUAGE_CODE)
            return redirect(_next_url(request))
        ratelimit.hit(_SIGN_IN_GROUP, address, settings.RATE_SIGN_IN_ADDRESS)
    return render(request, template, {"form": form, "next": request.GET.get("next", "")})


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    return _login(request, StaffLoginForm, "accounts/login.html")


@require_http_methods(["GET", "POST"])
def resident_login_view(request: HttpRequest) -> HttpResponse:
    return _login(request, ResidentLoginForm, "accounts/resident_login.html")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


def lockout(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """After too many failed sign-ins: django-axes calls this for one name and address, ``_login``
    for one address over every name."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "accounts/lockout.html", {"minutes": minutes}, status=429)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; a signed-in user's choice is remembered for their notifications."""
    response = i18n.set_language(request)
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=request.POST.get("language", ""))
    return response


@require_GET
def front_door(request: HttpRequest) -> HttpResponse:
    """The portal's front page: for a visitor, what a resident can do (report a problem, check a
    status, and what the apps offer the public); a signed-in user goes on to their role's home."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    return render(request, "accounts/front_door.html", {"tiles": front_tiles(request)})


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    if not roles:
        return render(request, "accounts/no_role.html")
    return redirect("accounts:role_home", role=roles[0])


@login_required
@require_GET
def role_home(request: HttpRequest, role: str) -> HttpResponse:
    mine = [a for a in assignments(request.user) if a.role == role]
    if not mine:
        raise Http404
    context = {
        "role": Role(role),
        "duties": ROLE_DUTIES[Role(role)],
        "scope_roots": None,
        "role_assignments": mine,
        "other_roles": [Role(r) for r in roles_of(request.user) if r != role],
    }
    context["actions"] = role_actions(request.user, Role(role))
    context["panels"] = role_panels(request.user, Role(role))
    if any(a.role == role for a in tokens.token_assignments(request.user)):
        context["actions"].append(HomeAction(_("API tokens"), reverse("accounts:tokens")))
    if role != Role.RESIDENT:
        context["scope_roots"] = grid_selectors.region_roots(user=request.user)
        context["unit_count"] = grid_selectors.unit_list(user=request.user).count()
    return render(request, "accounts/role_home.html", context)


TOTP_ERRORS = {
    TotpResult.REUSED: gettext_lazy(
        "That code has already been used. Wait for the next code in your app (it changes every 30 seconds) "
        "and enter that one."
    ),
    TotpResult.THROTTLED: gettext_lazy("Too many wrong codes in a row. Wait a minute, then enter the newest code."),
    TotpResult.INVALID: gettext_lazy(
        "That code is not valid. Enter the newest code from your app; if codes keep failing, check that your "
        "device's clock is set automatically."
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    """Second factor: verify with a confirmed device, or enrol a new one (admins must)."""
    enrolled = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = totp_verify(request=request, token=form.cleaned_data["token"])
        if result == TotpResult.OK:
            if not enrolled:
                messages.success(request, _("Two-factor sign-in is now on for your account."))
            return redirect(_next_url(request))
        form.add_error("token", TOTP_ERRORS[result])
    context = {"form": form, "enrolled": enrolled, "next": request.GET.get("next", "")}
    if not enrolled:
        device = pending_device(request.user)
        image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
        # The SVG is drawn by qrcode from our own otpauth URL: no user input reaches it.
        context["qr_svg"] = mark_safe(image.to_string(encoding="unicode"))  # noqa: S308
        context["secret"] = _base32(device.bin_key)
    return render(request, "accounts/otp.html", context)


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode().rstrip("=")


# --- API tokens for machine clients ------------------------------------------------------------------


def _token_assignments(request: HttpRequest) -> list:
    """The role assignments the user may issue tokens under; none means the pages do not exist."""
    eligible = tokens.token_assignments(request.user)
    if not eligible:
        raise Http404
    return eligible


@login_required
@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    _token_assignments(request)
    return render(request, "accounts/tokens.html", {"tokens": tokens.api_token_list(user=request.user)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(
        request.POST or None,
        assignments=_token_assignments(request),
        initial={"assignment": request.GET.get("assignment")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            token, key = tokens.api_token_create(**form.service_kwargs())
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            # The key is shown in this response only: never stored, never put in a redirect or session.
            return render(request, "accounts/token_created.html", {"token": token, "key": key})
    return render(request, "accounts/token_form.html", {"form": form})


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = tokens.api_token_get(user=request.user, pk=pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    if tokens.api_token_revoke(token=token):
        messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    else:
        messages.info(request, _("The token “%(name)s” was already revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
