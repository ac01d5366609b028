"""Scoping: the one mechanism every app uses to restrict what a user may see or change.

An *action* (``"grids.view_region"``, later ``"petitions.triage"`` …) is allowed to some roles.
A user's scope for an action is the set of region subtrees bound to the role assignments whose
role allows that action. ``scope_by_region`` turns that into one SQL condition on a region path,
so a scoped list is one query and an object outside scope simply is not found (404).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from grids.models import RoleAssignment
from grids.roles import STAFF_ROLES, Role

_ALL_STAFF = frozenset(STAFF_ROLES)

# Which roles may perform each action. Later apps add their own actions with ``register_action``.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "grids.view_region": _ALL_STAFF,
    "grids.view_unit": _ALL_STAFF,
    "grids.view_history": frozenset({Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.ADMIN}),
}


def register_action(action: str, roles: Iterable[str]) -> None:
    ACTION_ROLES[action] = frozenset(roles)


# The attribute of a user object that keeps its assignments for the request.
_KEPT = "cached_role_assignments"


def assignments(user) -> list[RoleAssignment]:
    """The user's role assignments, fetched once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _KEPT, None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).select_related("region", "unit").order_by("id"))
        setattr(user, _KEPT, cached)
    return cached


def act_as(user, only: list[RoleAssignment]) -> None:
    """Let ``user`` act with ``only`` these assignments for the rest of the request (an API token
    acts with the one it was issued under)."""
    setattr(user, _KEPT, list(only))


def forget_assignments(user) -> None:
    """The user's assignments changed: read them again on the next check."""
    if hasattr(user, _KEPT):
        delattr(user, _KEPT)


def roles_of(user) -> list[str]:
    """The distinct roles a user holds, in the order they were assigned."""
    seen: dict[str, None] = {}
    for assignment in assignments(user):
        seen.setdefault(assignment.role, None)
    return list(seen)


def has_role(user, *roles: str) -> bool:
    return any(a.role in roles for a in assignments(user))


def may(user, action: str) -> bool:
    allowed = ACTION_ROLES[action]
    return any(a.role in allowed for a in assignments(user))


def _minimal(paths: Iterable[str]) -> list[str]:
    """Drop paths already covered by a shorter one (a subtree inside another subtree)."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def within(path: str, roots: Iterable[str]) -> bool:
    """Whether the node at ``path`` lies in one of the subtrees rooted at ``roots``."""
    return any(path.startswith(root) for root in roots)


def region_paths(user, action: str) -> list[str]:
    """Root paths of the subtrees where ``user`` may perform ``action``."""
    allowed = ACTION_ROLES[action]
    return _minimal(a.region.path for a in assignments(user) if a.role in allowed)


def region_condition(paths: list[str], path_lookup: str) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{path_lookup}__startswith": path})
    return condition


def scope_by_region(qs: QuerySet, *, user, action: str, path_lookup: str = "region__path") -> QuerySet:
    """Restrict ``qs`` to objects whose region lies in the user's scope for ``action``."""
    paths = region_paths(user, action)
    if not paths:
        return qs.none()
    return qs.filter(region_condition(paths, path_lookup))
