"""What the funds add to pages they do not own: a petition's page lists the subsidised projects that
name it (``petitions.extensions.page``; one query)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.links import Related
from funds.models import Project


def petition_projects(user, petition) -> Iterable[Related]:
    rows = Project.objects.filter(petitions=petition).select_related("fund").order_by("id")[:10]
    for project in rows:
        yield Related(
            label=_("Resolved by a subsidised project"),
            title=f"{project.title} · {project.applicant}",
            url=reverse("funds:public_detail", args=[project.fund_id]),
            status=project.get_status_display(),
        )
