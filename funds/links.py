"""What the funds add to pages they do not own: a petition's page and a micro-wish's pages list the
subsidised projects that name them (``petitions.extensions.page``, ``volunteers.wish_links.page``;
one query each), and a petition's timeline the project's steps (``funds.project``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.links import Related
from funds.models import Project, ProjectStatus


def petition_projects(user, petition) -> Iterable[Related]:
    rows = Project.objects.filter(petitions=petition).select_related("fund").order_by("id")[:10]
    for project in rows:
        yield Related(
            label=_("Resolved by a subsidised project"),
            title=f"{project.title} · {project.applicant}",
            url=reverse("funds:public_detail", args=[project.fund_id]),
            status=project.get_status_display(),
        )


def wish_projects(user, wish) -> Iterable[Related]:
    """Public: the wish's page is public and so is a subsidised project (its fund's public page)."""
    rows = (
        Project.objects.filter(wishes=wish)
        .exclude(status=ProjectStatus.REJECTED)
        .select_related("fund")
        .order_by("id")[:10]
    )
    for project in rows:
        yield Related(
            label=_("Resolved by a subsidised project"),
            title=f"{project.title} · {project.applicant}",
            url=reverse("funds:public_detail", args=[project.fund_id]),
            status=project.get_status_display(),
        )


def describe_project(params: dict) -> Iterable[str]:
    """A petition's timeline entry of a project that names it: the project, who runs it, its step."""
    yield str(params.get("title", ""))
    if params.get("applicant"):
        yield str(params["applicant"])
    status = params.get("status")
    if status in ProjectStatus.values:
        yield gettext("Project status: %(status)s") % {"status": ProjectStatus(status).label}
