"""Who may read the KPI reports: staff who oversee petitions, within their region subtrees."""

from __future__ import annotations

from grids.permissions import register_action
from grids.roles import Role

VIEW = "reports.view"

register_action(VIEW, {Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.EVALUATOR, Role.ADMIN})
