"""Reads for Open311: the services (petition categories), the jurisdiction's regions and the
public list of service requests.

Open311's reads are public, so there is no user to scope by: the scope is the jurisdiction (the
subtree of ``OPEN311_REGION_CODE``), and what a row may show is decided in ``serializers`` (only the
key that filed a request sees its full description and exact location).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery

from grids.models import Region, ancestor_paths
from open311.models import ServiceRequest
from petitions.models import OPEN_STATUSES, Category, Event, Petition, Status

SERVICE_LEVEL = 3  # communities and villages: the values of the "region" attribute
CLOSED_STATUSES = (Status.REPLIED, Status.CLOSED, Status.MERGED)


def jurisdiction_path() -> str | None:
    """The region path the jurisdiction covers: "" for the whole tree (no code configured), None
    when the configured region does not exist (then nothing is listed and nothing can be filed)."""
    code = settings.OPEN311_REGION_CODE
    if not code:
        return ""
    return Region.objects.filter(code=code).values_list("path", flat=True).first()


def service_list() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("code")


def service_get(code: str) -> Category | None:
    return service_list().filter(code=code).first()


def service_regions(path: str | None) -> QuerySet[Region]:
    """The communities and villages of the jurisdiction, in tree order."""
    if path is None:
        return Region.objects.none()
    return Region.objects.filter(level=SERVICE_LEVEL, path__startswith=path).order_by("path")


@dataclass
class RequestQuery:
    """The parsed filters of GET requests (see ``forms.parse_request_query``)."""

    by_id: bool = False  # service_request_id was given: it overrides every other filter
    ids: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: dt.datetime | None = None
    end: dt.datetime | None = None  # exclusive
    statuses: list[str] = field(default_factory=list)  # "open" / "closed"


def _status_notes() -> Subquery:
    """The latest public timeline text written by staff: residents' evaluation comments (and the
    reasons they give for rework) are theirs, not the portal's, and are never published here."""
    latest = (
        Event.objects.filter(petition=OuterRef("pk"), public=True)
        .exclude(kind=Event.Kind.EVALUATION)
        .exclude(action="evaluate_rework")
        .exclude(text="")
        .order_by("-id")
        .values("text")[:1]
    )
    return Subquery(latest)


def _requests(path: str | None) -> QuerySet[Petition]:
    if path is None:
        return Petition.objects.none()
    qs = Petition.objects.all()
    if path:
        qs = qs.filter(region_path__startswith=path)
    return qs.select_related("category", "unit", "region", "open311_request").annotate(notes=_status_notes())


def request_list(*, path: str | None, query: RequestQuery, limit: int) -> list[Petition]:
    """Newest first, at most ``limit``. ``service_request_id`` overrides every other filter."""
    qs = _requests(path)
    if query.by_id:
        qs = qs.filter(tracking_code__in=query.ids)
    else:
        qs = qs.filter(created_at__gte=query.start, created_at__lt=query.end)
        if query.service_codes:
            qs = qs.filter(category__code__in=query.service_codes)
        if query.statuses == ["open"]:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif query.statuses == ["closed"]:
            qs = qs.filter(status__in=CLOSED_STATUSES)
    return list(qs.order_by("-created_at", "-id")[:limit])


def request_get(*, path: str | None, code: str) -> Petition | None:
    return _requests(path).filter(tracking_code=code).first()


def request_by_token(*, path: str | None, token: str) -> ServiceRequest | None:
    if path is None:
        return None
    qs = ServiceRequest.objects.select_related("petition").filter(token=token)
    if path:
        qs = qs.filter(petition__region_path__startswith=path)
    return qs.first()


def known_service_codes(codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` name a category, active or not (old requests keep their codes)."""
    return set(Category.objects.filter(code__in=list(codes)).values_list("code", flat=True))


def place_names(petitions: Iterable[Petition]) -> dict[str, str]:
    """region path → "compound, community, street, district" (most specific first, as the
    specification orders addresses), for every row in one query. Grids are internal and left out."""
    paths = {p.region_path for p in petitions}
    wanted = {a for path in paths for a in ancestor_paths(path)}
    if not wanted:
        return {}
    names = dict(Region.objects.filter(path__in=wanted, level__lt=5).values_list("path", "name"))
    return {path: ", ".join(names[a] for a in reversed(ancestor_paths(path)) if a in names) for path in paths}
