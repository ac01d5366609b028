"""Machine clients' keys: issue, check and revoke API tokens (also Open311's ``api_key``).

A key looks like ``zh_<prefix>_<secret>``; the prefix finds the row through a unique index and
the secret is compared by its SHA-256 in constant time. Nothing that could sign in is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pghistory
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, Scope
from core.errors import DomainError
from grids.models import RoleAssignment
from grids.roles import Role

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
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, assignment: RoleAssignment, name: str, scopes: list[str], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token under ``assignment``; returns the row and the key, which is shown only once."""
    allowed = ROLE_SCOPES.get(assignment.role, frozenset())
    if not scopes:
        raise DomainError(_("Choose at least one scope."))
    refused = sorted(set(scopes) - allowed)
    if refused:
        raise DomainError(
            _("The role %(role)s may not grant: %(scopes)s.")
            % {"role": assignment.get_role_display(), "scopes": ", ".join(refused)}
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(_("The expiry date must be in the future."))
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with pghistory.context(action="api_token_create"):
        token = ApiToken.objects.create(
            user_id=assignment.user_id,
            assignment=assignment,
            name=name,
            prefix=prefix,
            key_hash=_digest(secret),
            scopes=sorted(set(scopes)),
            expires_at=expires_at,
        )
    return token, f"zh_{prefix}_{secret}"


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate_key(key: str) -> ApiToken | None:
    """The active token of ``key`` (its user loaded), or None. Records when it was last used."""
    parts = (key or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "zh" or len(parts[1]) != 8:
        return None
    token = ApiToken.objects.select_related("user", "assignment").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.key_hash, _digest(parts[2])):
        return None
    if not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # at most once a minute
    return token
