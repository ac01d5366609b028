from __future__ import annotations

from grids.permissions import ACTION_ROLES, assignments, roles_of
from grids.roles import Role


def navigation(request) -> dict:
    """Role-aware navigation: the roles the signed-in user holds, for the menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": [], "nav_is_staff_role": False}
    from core.models import Notification

    roles = [Role(r) for r in roles_of(user)]
    held = set(roles)
    return {
        # The registered actions any of the user's roles may take (e.g. "reports.view"), for the menu.
        "nav_may": {action for action, allowed in ACTION_ROLES.items() if held & allowed},
        "nav_unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "nav_roles": roles,
        "nav_is_staff_role": any(r != Role.RESIDENT for r in roles),
        "nav_assignments": assignments(user),
    }
