"""Who may export, and whether an export may show residents' personal data unmasked."""

from __future__ import annotations

from collections.abc import Iterable

from funds import permissions as fund_permissions
from grids.permissions import may, region_paths, register_action, within
from grids.roles import Role
from petitions import permissions as petition_permissions

RUN = "exports.run"

# Leaders and staff who report on their scope; the third-party evaluator exports the satisfaction
# data of the sample it evaluates (always masked: it may not reveal). Grid leaders work item by
# item on a phone and handling units see only their own items: neither exports.
register_action(RUN, {Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.EVALUATOR, Role.ADMIN})


def may_export(user) -> bool:
    """Exporters, and fund managers (who export only their funds' ledgers: ``may_export_ledger``)."""
    return may(user, RUN) or may_export_ledger(user)


def may_export_reports(user) -> bool:
    """The petition list and the satisfaction report."""
    return may(user, RUN)


def may_export_ledger(user) -> bool:
    """A fund's ledger, for the fund managers (and the admin) of its region (issue 17)."""
    return may(user, fund_permissions.MANAGE)


def export_paths(user) -> list[str]:
    """Root paths of the region subtrees the user may export."""
    return region_paths(user, RUN)


def narrowed_roots(user, region_path: str | None) -> list[str]:
    """The subtrees an export's rows come from: the export scope, narrowed to ``region_path``."""
    roots = export_paths(user)
    if not region_path:
        return roots
    narrowed = []
    for root in roots:
        if region_path.startswith(root):
            narrowed.append(region_path)
        elif root.startswith(region_path):
            narrowed.append(root)
    return sorted(set(narrowed))


def may_reveal_all(user, roots: Iterable[str]) -> bool:
    """Whether the user may see personal data in every one of these subtrees (``petitions.reveal``).

    All or nothing: an export is either masked throughout or shows everything it holds.
    """
    roots = list(roots)
    reveal = region_paths(user, petition_permissions.REVEAL)
    return bool(roots) and all(within(root, reveal) for root in roots)
