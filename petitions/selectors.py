"""Reads of petitions: scope first, then the shared FilterSet, then keyset pagination."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from core.masking import mask_address, mask_name, mask_phone
from core.pagination import KeysetPage, keyset_page
from grids.models import ancestor_paths
from petitions import permissions
from petitions.filters import PetitionFilter
from petitions.models import Deadline, Event, Petition

# Each item's latest evaluation (any source: resident, staff callback or third party; the newest
# wins), as SQL for the set-based readers (reports' rollups, the satisfaction export): joined to
# ``petitions_petition p`` as ``e``. ``PetitionFilter.filter_rated`` applies the same rule in the ORM.
LATEST_EVALUATION_JOIN = """
LEFT JOIN LATERAL (
    SELECT ev.rating, ev.source, ev.created_at, ev.comment
      FROM petitions_evaluation ev
     WHERE ev.petition_id = p.id
     ORDER BY ev.created_at DESC, ev.id DESC
     LIMIT 1
) e ON true"""


def petition_queryset(*, user, action: str = permissions.VIEW) -> QuerySet[Petition]:
    return permissions.scope(Petition.objects.all(), user, action)


def petition_list(*, user, filters: dict | None = None, cursor: str | None = None, size: int = 25):
    """The queue: scoped, filtered, one keyset page. Returns (page, filterset)."""
    base = petition_queryset(user=user).select_related("category", "region", "unit", "claimed_by")
    filterset = PetitionFilter(filters or {}, queryset=base)
    qs = filterset.qs if filterset.is_valid() else base.none()
    ordering = filterset.ordering if filterset.is_valid() else "-id"
    if ordering == "next_due_at":
        qs = qs.filter(next_due_at__isnull=False)
    qs = qs.prefetch_related(
        Prefetch("deadlines", queryset=Deadline.objects.filter(met_at__isnull=True), to_attr="running_deadlines")
    )
    return keyset_page(qs, cursor=cursor, ordering=ordering, size=size), filterset


def petition_get(*, user, pk: int) -> Petition:
    """One petition in the user's scope (Petition.DoesNotExist otherwise → 404)."""
    return (
        petition_queryset(user=user)
        .select_related("category", "region", "unit", "claimed_by", "merged_into", "filed_by")
        .prefetch_related("co_units", "photos", "evaluations")
        .get(pk=pk)
    )


def petition_timeline(petition: Petition, *, public_only: bool = False) -> list[Event]:
    events = petition.timeline.select_related("actor").order_by("id")
    return list(events.filter(public=True) if public_only else events)


def petition_public_lookup(*, code: str, phone_last4: str) -> Petition | None:
    """The public status check: tracking code plus the last four digits of the phone."""
    code = (code or "").strip().upper()
    petition = Petition.objects.select_related("category", "region").filter(tracking_code=code).first()
    if petition is None or not petition.phone_last4 or petition.phone_last4 != (phone_last4 or "").strip():
        return None
    return petition


def masked_personal_data(petition: Petition) -> dict:
    return {
        "name": mask_name(petition.reporter_name),
        "phone": mask_phone(petition.reporter_phone),
        "address": mask_address(petition.address),
    }


def page_ids(page: KeysetPage) -> list[int]:
    return [p.pk for p in page.items]


def petition_mine(*, user) -> QuerySet[Petition]:
    """The petitions a signed-in resident reported themselves (their "own records")."""
    if not user.is_authenticated:
        return Petition.objects.none()
    return Petition.objects.filter(reporter=user).select_related("category", "region")


def petition_route_units(*, user, petition: Petition):
    """Active units the user may route to that cover the item's region or a region above it
    (the same rule ``services.unit_serves`` enforces)."""
    from grids.selectors import unit_list

    return (
        unit_list(user=user)
        .filter(is_active=True, regions__path__in=ancestor_paths(petition.region_path))
        .distinct()
        .order_by("code")
    )
