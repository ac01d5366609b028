"""The roles of DESIGN.md. A user holds roles through ``RoleAssignment`` rows, each bound to a
node of the region tree (and, for handlers, to a handling unit)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    GRID_LEADER = "grid_leader", _("Grid leader")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    STREET_STAFF = "street_staff", _("Street staff")
    HANDLER = "handler", _("Handling unit")
    DISTRICT_STAFF = "district_staff", _("District staff")
    VOLUNTEER_COORDINATOR = "volunteer_coordinator", _("Volunteer coordinator")
    FUND_MANAGER = "fund_manager", _("Fund manager")
    PANEL_MEMBER = "panel_member", _("Decision panel member")
    EVALUATOR = "evaluator", _("Third-party evaluator")
    ADMIN = "admin", _("System administrator")


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}


# What each role does (DESIGN.md), shown on the role's home page.
ROLE_DUTIES = {
    Role.RESIDENT: _("File a petition, follow its status, evaluate the result, post a micro-wish."),
    Role.GRID_LEADER: _(
        "Spend three days a week in your grids, file petitions for residents, record on-the-spot "
        "resolutions, field days and household visits."
    ),
    Role.COMMUNITY_STAFF: _(
        "Take in items at the service window, triage first, handle community-level items and verify micro-wishes."
    ),
    Role.STREET_STAFF: _(
        "Triage the street queue, route items to handling units, convene joint meetings and clear escalations."
    ),
    Role.HANDLER: _("Accept, work and reply to the items routed to your unit; return wrongly routed ones."),
    Role.DISTRICT_STAFF: _("Oversee major and escalated items, review the monthly zero backlog, read the reports."),
    Role.VOLUNTEER_COORDINATOR: _("Manage volunteers, organisations, studios, opportunities and service hours."),
    Role.FUND_MANAGER: _("Manage donors, pledges, the ledger and disbursements of the funds in your region."),
    Role.PANEL_MEMBER: _("Vote on the allocations of your community micro-fund."),
    Role.EVALUATOR: _("Record callback and third-party evaluations on a read-only sample."),
    Role.ADMIN: _("Configure the portal, manage users and roles, export reports."),
}
