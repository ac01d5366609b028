"""Who hears about what happens to a petition. Runs in the Celery worker, from the outbox."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.models import OutboxMessage
from core.notify import notify_users, send_sms
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


def deliver(message: OutboxMessage) -> None:
    payload = message.payload
    petition = Petition.objects.filter(pk=payload["petition"]).first()
    if petition is None:
        return
    event = payload["event"]
    url = reverse("petitions:detail", kwargs={"pk": petition.pk})
    with translation.override(settings.LANGUAGE_CODE):
        subject = f"{petition.tracking_code} {petition.title}"
        if event == "filed":
            notify_users(message, people_in_charge(petition), title=_("New item to triage: %s") % subject, url=url)
            _sms_resident(petition, _("Your petition %(code)s was received. Check its status at %(link)s"))
        elif event == "routed":
            notify_users(message, unit_staff(petition), title=_("New item routed to your unit: %s") % subject, url=url)
        elif event == "returned":
            notify_users(
                message, people_in_charge(petition), title=_("Item returned for re-routing: %s") % subject, url=url
            )
        elif event == "rework":
            notify_users(message, unit_staff(petition), title=_("Resident unsatisfied, rework: %s") % subject, url=url)
        elif event == "warning":
            title = _("Deadline approaching: %s") % subject
            notify_users(message, unit_staff(petition) + people_in_charge(petition), title=title, url=url)
        elif event == "escalated":
            title = _("Overdue item escalated to you: %s") % subject
            notify_users(message, people_in_charge(petition, payload.get("level")), title=title, url=url)
        elif event == "info_requested":
            _sms_resident(petition, _("The unit handling %(code)s needs more information from you: %(link)s"))
        elif event == "replied":
            _sms_resident(petition, _("Your petition %(code)s has a reply. Please evaluate it: %(link)s"))


def _sms_resident(petition: Petition, template: str) -> None:
    if petition.anonymous or not petition.reporter_phone:
        return
    from petitions.services import evaluation_token

    link = settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
        "petitions:public_evaluate", kwargs={"code": petition.tracking_code, "token": evaluation_token(petition)}
    )
    # A number typed into a public form by someone who did not sign in is nobody's verified number.
    verified = petition.reporter_id is not None or petition.filed_by_id is not None
    send_sms(petition.reporter_phone, template % {"code": petition.tracking_code, "link": link}, verified=verified)
