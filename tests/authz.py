"""The shared authorization matrix: role × URL × in-scope / out-of-scope object → status.

Every named URL of the project has one ``Row`` here; ``test_authorization.py`` fails when the URL
resolver knows a URL that has no row (or a row names a URL that no longer exists). Later issues
add their rows to ``MATRIX``.

Principals: ``anon`` (signed out), ``no_role`` (signed in, no assignment), one user per role, bound
as in ``test_authorization.BINDINGS``, and ``multi``: street staff in street B and grid leader in grid A
at once. ``admin`` has passed its TOTP second factor.

Each row names the methods its URL accepts (``method`` and ``also``); every other method answers 405
to a principal the URL serves. Expectations are written down here, never read from the production
``ACTION_ROLES``. A row with an object (``inside``) is also tried with ``sibling``: the same kind of
object in the node right next to the principal's own (a grid leader's neighbouring grid, a street's
neighbouring street), which must look exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from grids.roles import STAFF_ROLES, Role

ANON = "anon"
NO_ROLE = "no_role"
MULTI = "multi"  # street staff in street B and grid leader in grid A
PRINCIPALS = [ANON, NO_ROLE, *[r.value for r in Role]]
STAFF = [r.value for r in STAFF_ROLES]
METHODS = ("get", "post", "put", "patch", "delete")

# Named URLs the matrix does not list one by one, and why.
EXEMPT_NAMESPACES = {
    # Django admin: ~100 generated URLs, all behind OTPAdminSite (is_staff + verified TOTP);
    # the matrix checks its index; tests/accounts/test_admin.py checks the rest's gate.
    "admin",
}
EXEMPT_NAMES: set[str] = set()


@dataclass
class Row:
    """Expected statuses for one URL. ``inside``/``outside`` build URL kwargs from the world."""

    expect: dict[str, int]
    outside_expect: dict[str, int] = field(default_factory=dict)
    inside: Callable | None = None
    outside: Callable | None = None
    method: str = "get"
    # For POST/PATCH rows: a function (world, principal) → body; a form post unless content_type
    # is given (e.g. "application/json" for the API).
    data: Callable | None = None
    content_type: str | None = None
    # Other methods the URL accepts, each with its own expectations (and body, from ``data``).
    also: dict[str, dict[str, int]] = field(default_factory=dict)
    # The object next to the principal's own node (default: the row's ``outside_expect``).
    sibling: Callable | None = None
    sibling_expect: dict[str, int] = field(default_factory=dict)

    @property
    def methods(self) -> list[str]:
        return [self.method, *self.also]

    def expected(self, method: str) -> dict[str, int]:
        return self.expect if method == self.method else self.also[method]


def statuses(default: int, **overrides: int) -> dict[str, int]:
    table = dict.fromkeys(PRINCIPALS, default)
    table.update(overrides)
    return table


def staff_only(ok: int = 200, anon: int = 302) -> dict[str, int]:
    table = statuses(404, anon=anon)
    table.update(dict.fromkeys(STAFF, ok))
    return table


def _own_region(world, principal):
    return {"pk": world.home_region(principal).pk}


def _foreign_region(world, principal):
    return {"pk": world.foreign.street.pk}


def _unit_in_scope(world, principal):
    return {"pk": world.tree.unit_a.pk}


def _foreign_unit(world, principal):
    return {"pk": world.foreign.unit.pk}


def _own_role(world, principal):
    if principal == MULTI:
        return {"role": Role.GRID_LEADER.value}
    return {"role": principal if principal in Role.values else Role.RESIDENT.value}


def _other_role(world, principal):
    return {"role": Role.FUND_MANAGER.value if principal != Role.FUND_MANAGER else Role.PANEL_MEMBER.value}


MATRIX: dict[str, Row] = {
    # The front door for visitors; signed in, on to the role's home.
    "root": Row(expect=statuses(302, anon=200)),
    # The language switch: a cookie for everyone (and the choice remembered for a signed-in user).
    "set_language": Row(expect=statuses(302), method="post", data=lambda world, principal: {"language": "en"}),
    "health": Row(expect=statuses(200)),
    "notifications": Row(expect=statuses(200, anon=302)),
    # A form post: an empty one is shown again with its errors, to everyone.
    "accounts:login": Row(expect=statuses(302, anon=200), also={"post": statuses(200)}),
    "accounts:resident_login": Row(expect=statuses(302, anon=200), also={"post": statuses(200)}),
    "accounts:logout": Row(expect=statuses(302), method="post"),
    "accounts:otp": Row(expect=statuses(200, anon=302), also={"post": statuses(200, anon=302)}),
    "accounts:home": Row(expect=statuses(302, no_role=200)),
    "accounts:role_home": Row(
        expect=statuses(200, anon=302, no_role=404),
        inside=_own_role,
        outside=_other_role,
        outside_expect=statuses(404, anon=302),
    ),
    "grids:region_list": Row(expect=staff_only()),
    "grids:region_detail": Row(
        expect=staff_only(),
        inside=_own_region,
        outside=_foreign_region,
        outside_expect=statuses(404, anon=302),
        sibling=lambda world, principal: {"pk": world.sibling_region(principal).pk},
    ),
    "grids:unit_list": Row(expect=staff_only()),
    "grids:unit_detail": Row(
        expect=staff_only(),
        inside=_unit_in_scope,
        outside=_foreign_unit,
        outside_expect=statuses(404, anon=302),
    ),
    # Django's admin answers its index to every method.
    "admin:index": Row(
        expect=statuses(302, admin=200),
        also=dict.fromkeys(("post", "put", "patch", "delete"), statuses(302, admin=200)),
    ),
}


def row_modules() -> list:
    """Rows of later apps live in tests/authz_rows/<area>.py as ``ROWS: dict[str, Row]``; a module
    may also define ``build(world)`` to add the objects its rows point at to ``world.objects``."""
    import importlib
    import pkgutil

    from tests import authz_rows

    return [
        importlib.import_module(f"tests.authz_rows.{info.name}") for info in pkgutil.iter_modules(authz_rows.__path__)
    ]


def _collect_rows() -> None:
    for module in row_modules():
        for name, row in module.ROWS.items():
            assert name not in MATRIX, f"two matrix rows for {name}"
            MATRIX[name] = row


_collect_rows()
