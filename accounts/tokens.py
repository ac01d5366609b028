"""Machine clients' keys: issue, check and revoke API tokens (also Open311's ``api_key``).

A key looks like ``zh_<prefix>_<secret>``; the prefix finds the row through a unique index and
the secret is compared by its SHA-256 in constant time. Nothing that could sign in is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pghistory
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, Scope
from core.errors import DomainError
from grids.models import RoleAssignment
from grids.permissions import assignments
from grids.roles import Role

_HEX8 = re.compile(r"[0-9a-f]{8}")
_ALL_STAFF_READ = {Scope.PETITIONS_READ, Scope.OPEN311}
# The scopes a token issued under each role may carry.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset({Scope.OPEN311}),
    Role.GRID_LEADER: frozenset(_ALL_STAFF_READ | {Scope.PETITIONS_WRITE}),
    Role.COMMUNITY_STAFF: frozenset(_ALL_STAFF_READ | {Scope.PETITIONS_WRITE, Scope.REPORTS_READ}),
    Role.STREET_STAFF: frozenset(_ALL_STAFF_READ | {Scope.PETITIONS_WRITE, Scope.REPORTS_READ}),
    Role.HANDLER: frozenset(_ALL_STAFF_READ | {Scope.PETITIONS_WRITE}),
    Role.DISTRICT_STAFF: frozenset(_ALL_STAFF_READ | {Scope.PETITIONS_WRITE, Scope.REPORTS_READ}),
    Role.VOLUNTEER_COORDINATOR: frozenset({Scope.OPEN311}),
    Role.FUND_MANAGER: frozenset({Scope.OPEN311}),
    Role.PANEL_MEMBER: frozenset({Scope.OPEN311}),
    Role.EVALUATOR: frozenset(_ALL_STAFF_READ | {Scope.REPORTS_READ}),
    Role.ADMIN: frozenset(Scope.values),
}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def allowed_scopes(assignment: RoleAssignment) -> list[str]:
    """The scopes a token under ``assignment`` may carry, in the order of ``Scope``."""
    allowed = ROLE_SCOPES.get(assignment.role, frozenset())
    return [value for value in Scope.values if value in allowed]


def token_assignments(user) -> list[RoleAssignment]:
    """The user's role assignments a token may be issued under (roles with at least one scope)."""
    return [a for a in assignments(user) if ROLE_SCOPES.get(a.role)]


@transaction.atomic
def api_token_create(
    *, assignment: RoleAssignment, name: str, scopes: list[str], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token under ``assignment``; returns the row and the key, which is shown only once."""
    allowed = ROLE_SCOPES.get(assignment.role, frozenset())
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name, such as the system that will use it."), field="name")
    if not scopes:
        raise DomainError(_("Choose at least one scope."), field="scopes")
    refused = sorted(set(scopes) - allowed)
    if refused:
        raise DomainError(
            _("The role %(role)s may not grant: %(scopes)s.")
            % {"role": assignment.get_role_display(), "scopes": ", ".join(refused)},
            field="scopes",
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(_("The expiry date must be in the future."), field="expires_at")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with pghistory.context(action="api_token_create"):
        token = ApiToken.objects.create(
            user_id=assignment.user_id,
            assignment=assignment,
            name=name[:64],
            prefix=prefix,
            key_hash=_digest(secret),
            scopes=sorted(set(scopes)),
            expires_at=expires_at,
        )
    return token, f"zh_{prefix}_{secret}"


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> bool:
    """Revoke ``token`` at once; False if it was already revoked (revoking twice changes nothing)."""
    with pghistory.context(action="api_token_revoke"):
        return bool(ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def api_token_list(*, user) -> list[ApiToken]:
    """The user's own tokens, newest first, with the role each was issued under."""
    return list(ApiToken.objects.filter(user=user).select_related("assignment__region", "assignment__unit"))


def api_token_get(*, user, pk: int) -> ApiToken:
    """One of the user's own tokens (ApiToken.DoesNotExist otherwise → 404)."""
    return ApiToken.objects.select_related("assignment").get(user=user, pk=pk)


def authenticate_key(key: str) -> ApiToken | None:
    """The active token of ``key`` (its user and role assignment loaded), or None: unknown,
    wrong secret, revoked, expired, its role assignment removed, or its user disabled.
    Records when it was last used (at most once a minute)."""
    parts = (key or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "zh" or not _HEX8.fullmatch(parts[1]) or not parts[2]:
        return None  # malformed (checked before the database sees it: no NUL bytes, no odd sizes)
    token = (
        ApiToken.objects.select_related("user", "assignment__region", "assignment__unit")
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _digest(parts[2])):
        return None
    if not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
