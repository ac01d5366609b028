"""Who hears about what happens to a petition. Runs in the Celery worker, from the outbox."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.models import OutboxMessage
from core.notify import notify_users, register_kind, send_sms
from grids.models import RoleAssignment, ancestor_paths
from grids.roles import Role
from petitions.models import Level, Petition

# Roles in charge at each level of the tree (小事不出社区, 大事不出镇街).
IN_CHARGE = {
    Level.COMMUNITY: (Role.COMMUNITY_STAFF,),
    Level.STREET: (Role.STREET_STAFF,),
    Level.DISTRICT: (Role.DISTRICT_STAFF,),
}


def people_in_charge(petition: Petition, level: int | None = None) -> list[int]:
    roles = IN_CHARGE[Level(level or petition.level)]
    return list(
        RoleAssignment.objects.filter(role__in=roles, region__path__in=ancestor_paths(petition.region_path))
        .values_list("user_id", flat=True)
        .distinct()
    )


def unit_staff(petition: Petition) -> list[int]:
    if not petition.unit_id:
        return people_in_charge(petition)
    return list(
        RoleAssignment.objects.filter(role=Role.HANDLER, unit_id=petition.unit_id)
        .values_list("user_id", flat=True)
        .distinct()
    )


# The notifications of petitions (core.notify kinds); ``%(code)s %(title)s`` name the item.
KINDS = {
    "petition.filed": _("New item to triage: %(code)s %(title)s"),
    "petition.routed": _("New item routed to your unit: %(code)s %(title)s"),
    "petition.returned": _("Item returned for re-routing: %(code)s %(title)s"),
    "petition.rework": _("Resident unsatisfied, rework: %(code)s %(title)s"),
    "petition.warning": _("Deadline approaching: %(code)s %(title)s"),
    "petition.escalated": _("Overdue item escalated to you: %(code)s %(title)s"),
    "petition.monthly_overdue": _(
        "Monthly zero backlog %(month)s, %(region)s: %(overdue)d overdue of %(open)d open items"
    ),
    "petition.monthly_clear": _("Monthly zero backlog %(month)s, %(region)s: nothing overdue, %(open)d open items"),
}
# Texts to the resident, in the language they filed in (``Petition.language``).
SMS = {
    "filed": _("Your petition %(code)s was received. Check its status at %(link)s"),
    "info_requested": _("The unit handling %(code)s needs more information from you: %(link)s"),
    "replied": _("Your petition %(code)s has a reply. Please evaluate it: %(link)s"),
}


def register_kinds() -> None:
    for name, title in KINDS.items():
        register_kind(name, title)


def deliver(message: OutboxMessage) -> None:
    payload = message.payload
    petition = Petition.objects.filter(pk=payload["petition"]).first()
    if petition is None:
        return
    event = payload["event"]
    url = reverse("petitions:detail", kwargs={"pk": petition.pk})
    item = {"code": petition.tracking_code, "title": petition.title}
    recipients = {
        "filed": lambda: people_in_charge(petition),
        "routed": lambda: unit_staff(petition),
        "returned": lambda: people_in_charge(petition),
        "rework": lambda: unit_staff(petition),
        "warning": lambda: unit_staff(petition) + people_in_charge(petition),
        "escalated": lambda: people_in_charge(petition, payload.get("level")),
    }
    if event in recipients:
        notify_users(message, recipients[event](), kind=f"petition.{event}", params=item, url=url)
    if event in SMS:
        _sms_resident(petition, SMS[event])


def _sms_resident(petition: Petition, template) -> None:
    if petition.anonymous or not petition.reporter_phone:
        return
    from petitions.services import evaluation_token

    link = settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
        "petitions:public_evaluate", kwargs={"code": petition.tracking_code, "token": evaluation_token(petition)}
    )
    with translation.override(petition.language or settings.LANGUAGE_CODE):
        text = str(template) % {"code": petition.tracking_code, "link": link}
    # A number typed into a public form by someone who did not sign in is nobody's verified number.
    verified = petition.reporter_id is not None or petition.filed_by_id is not None
    send_sms(petition.reporter_phone, text, verified=verified)
