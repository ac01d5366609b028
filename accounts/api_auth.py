"""REST API: token authentication for machine clients, token scopes, and rate limits.

``Authorization: Bearer zh_<prefix>_<secret>`` (or ``Token zh_…``) authenticates as the token's
user, reduced to the one role assignment the token was issued under: the selectors then scope the
data exactly as they scope that role's pages. A bad, revoked or expired token, or one whose role
assignment is gone, answers 401 with a ``WWW-Authenticate`` challenge. ``ScopedTokenPermission``
checks the token's scopes per call; signed-in browser sessions are not limited by scopes.

Throttles count in the rate-limit cache (``core.ratelimit``: Redis, or per process while Redis is
down, so a limit never switches off): anonymous callers per address, sessions per user, tokens per
token (so one client's burst never blocks another). Each reads its ``API_THROTTLE_*`` setting when
it runs.

Django models are imported lazily: DRF imports this module while ``rest_framework.views`` loads.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from core.ratelimit import client_ip
from grids.permissions import act_as

KEYWORDS = (b"bearer", b"token")
REALM = "api"

# What a call needs when its view names nothing else (``token_scopes = {"read": …, "write": …}``).
DEFAULT_TOKEN_SCOPES = {"read": "petitions:read", "write": "petitions:write"}

BAD_HEADER = _("Send the token as “Authorization: Bearer <token>”.")
BAD_TOKEN = _("The token is not valid, has expired, was revoked or lost its role.")


class TokenAuthentication(BaseAuthentication):
    """``Bearer``/``Token`` keys of ``accounts.tokens``; returns ``(user, ApiToken)``."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # no token offered: the session (or nothing) decides
        if len(parts) != 2:
            raise AuthenticationFailed(BAD_HEADER)
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(BAD_TOKEN) from None
        from accounts.tokens import authenticate_key

        token = authenticate_key(key)
        if token is None:
            raise AuthenticationFailed(BAD_TOKEN)
        user = token.user
        # The token acts with its own role assignment only, never the user's other roles.
        act_as(user, [token.assignment])
        return user, token

    def authenticate_header(self, request) -> str:
        """The challenge of a 401 (RFC 6750): a request without credentials is told how to
        authenticate. A Bearer challenge makes no browser show a password dialog."""
        return f'Bearer realm="{REALM}"'


def token_of(request):
    """The ApiToken the request authenticated with, or None (session or anonymous)."""
    from accounts.models import ApiToken

    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


def required_scope(view, method: str) -> str:
    """The scope a token needs to call ``view`` with ``method``."""
    scopes = {**DEFAULT_TOKEN_SCOPES, **(getattr(view, "token_scopes", None) or {})}
    return scopes["read" if method.upper() in SAFE_METHODS else "write"]


class ScopedTokenPermission(BasePermission):
    """A token needs the view's read scope for safe methods and its write scope otherwise."""

    message = _("This token does not carry the scope this call needs.")

    def has_permission(self, request, view) -> bool:
        token = token_of(request)
        if token is None:
            return True
        scope = required_scope(view, request.method)
        if token.has_scope(scope):
            return True
        self.message = _("This token does not carry the scope “%(scope)s” this call needs.") % {"scope": scope}
        return False

    # Read by core.api.PortalAutoSchema to document each operation's scope.
    def openapi_scope(self, view, method: str) -> str:
        return required_scope(view, method)


# --- Throttling ------------------------------------------------------------------------------------


class PortalThrottle(SimpleRateThrottle):
    """The portal's throttles: the rate comes from the setting named by ``setting`` (read on every
    request), the client is ``core.ratelimit.client_ip`` (the peer unless trusted proxies are
    configured), and the count lives in the rate-limit cache."""

    setting: str = ""

    @property
    def cache(self):
        return caches["ratelimit"]

    @property
    def cache_format(self) -> str:
        # Beside django-ratelimit's counts, under the same prefix.
        return settings.RATELIMIT_CACHE_PREFIX + "throttle:%(scope)s:%(ident)s"

    def get_rate(self) -> str:
        return getattr(settings, self.setting)

    def client_address(self, request) -> str:
        return client_ip(request)

    def allow_request(self, request, view) -> bool:
        # DRF reads the rate once, at construction; tests and operators may change the setting.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class AnonThrottle(PortalThrottle):
    """Signed-out callers, per client address."""

    scope = "anon"
    setting = "API_THROTTLE_ANON"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.client_address(request)}


class UserThrottle(PortalThrottle):
    """Signed-in browser sessions, per user."""

    scope = "user"
    setting = "API_THROTTLE_USER"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated) or token_of(request) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class TokenThrottle(PortalThrottle):
    """Machine clients, per token: two tokens of one user have separate allowances."""

    scope = "token"
    setting = "API_THROTTLE_TOKEN"

    def get_cache_key(self, request, view) -> str | None:
        token = token_of(request)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


# --- OpenAPI ---------------------------------------------------------------------------------------
from drf_spectacular.extensions import OpenApiAuthenticationExtension  # noqa: E402


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents the token in the schema as an HTTP bearer scheme."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "zh_<prefix>_<secret>",
            "description": str(
                _(
                    "An API token created at /accounts/tokens/ under one of your role assignments. It reaches "
                    "that role's data only, and each operation names the scope it needs (x-token-scope)."
                )
            ),
        }
