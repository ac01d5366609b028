"""Reads of petitions: scope first, then the shared FilterSet, then keyset pagination."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.masking import mask_address, mask_name, mask_phone
from core.pagination import KeysetPage, keyset_page
from grids.models import ancestor_paths
from petitions import permissions
from petitions.filters import PetitionFilter
from petitions.models import Deadline, Evaluation, Event, Petition, Photo

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

DUE_SOON = dt.timedelta(days=1)
LONG_TEXTS = ("description", "search_text", "reply")


def petition_queryset(*, user, action: str = permissions.VIEW) -> QuerySet[Petition]:
    return permissions.scope(Petition.objects.all(), user, action)


def with_running_deadlines(qs: QuerySet[Petition]) -> QuerySet[Petition]:
    """``qs`` with each item's running (not met) deadlines, soonest first, as ``running_deadlines``:
    what a list row and the API show of an item's time limits."""
    running = Deadline.objects.filter(met_at__isnull=True).order_by("due_at", "id")
    return qs.prefetch_related(Prefetch("deadlines", queryset=running, to_attr="running_deadlines"))


def petition_list(*, user, filters, cursor: str | None = None, size: int = 25) -> tuple[KeysetPage, PetitionFilter]:
    """The queue as the page and the API list it: the user's scope, filtered by the shared FilterSet,
    one keyset page of items with what a row shows (category, place, unit, claimer, running
    deadlines). An invalid filter gives an empty page. Returns (page, filterset)."""
    filterset = PetitionFilter(filters, queryset=petition_queryset(user=user), user=user)
    if not filterset.is_valid():
        return KeysetPage(items=[], next_cursor=None, has_more=False), filterset
    qs, ordering = filterset.qs, filterset.ordering
    if ordering == "next_due_at":
        qs = qs.filter(next_due_at__isnull=False)
    return keyset_page(qs, cursor=cursor, ordering=ordering, size=size, rows=_row_details), filterset


def _row_details(qs: QuerySet[Petition]) -> QuerySet[Petition]:
    """What a list row shows of its items; not the long texts (description, reply, search text)."""
    related = qs.select_related("category", "region", "unit", "claimed_by").defer(*LONG_TEXTS)
    return with_running_deadlines(related)


NEAREST_LABELS = {"overdue": _("Overdue"), "due_soon": _("Due soon"), "paused": _("Paused")}


@dataclass(frozen=True)
class NearestDeadline:
    """The deadline a list row shows: the soonest running one that ticks (else a paused one)."""

    deadline: Deadline
    state: str  # "overdue", "due_soon", "paused" or ""

    @property
    def label(self) -> str:
        return NEAREST_LABELS.get(self.state, "")


def nearest_deadline(petition: Petition, *, now: dt.datetime | None = None) -> NearestDeadline | None:
    running = petition.running_deadlines
    ticking = [d for d in running if d.paused_at is None]
    nearest = ticking[0] if ticking else (running[0] if running else None)
    if nearest is None:
        return None
    now = now or timezone.now()
    if nearest.paused_at is not None:
        state = "paused"
    elif nearest.due_at <= now:
        state = "overdue"
    elif nearest.due_at <= now + DUE_SOON:
        state = "due_soon"
    else:
        state = ""
    return NearestDeadline(nearest, state)


def petition_get(*, user, pk: int) -> Petition:
    """One petition in the user's scope (Petition.DoesNotExist otherwise → 404)."""
    return petition_details(petition_queryset(user=user)).get(pk=pk)


def petition_details(qs: QuerySet[Petition]) -> QuerySet[Petition]:
    """What the detail page and the API's detail show of an item, fetched with it. The item's optional
    relations are read by id (joined, the statement took PostgreSQL longer to plan than to run)."""
    return with_running_deadlines(
        qs.select_related("category", "region").prefetch_related(
            "unit", "claimed_by", "merged_into", "filed_by", "co_units", "photos", "evaluations"
        )
    )


def petition_written(pk: int) -> Petition:
    """An item just written by a service, read back as a list row shows it, for the writer's answer
    (the writer may be a resident who has no scope to read it through). Not the details: an answer
    that read back every relation and the timeline cost the API's intake a third of its time
    (docs/performance.md); the details are one GET away."""
    return _row_details(Petition.objects.all()).get(pk=pk)


def petition_timeline(petition: Petition, *, public_only: bool = False) -> list[Event]:
    events = petition.timeline.select_related("actor").order_by("id")
    return list(events.filter(public=True) if public_only else events)


# --- The public pages -------------------------------------------------------------------------------


def _resident_evaluated() -> Exists:
    """The resident has evaluated the latest reply."""
    return Exists(
        Evaluation.objects.filter(
            petition=OuterRef("pk"), source=Evaluation.Source.RESIDENT, created_at__gte=OuterRef("replied_at")
        )
    )


def _public_petitions() -> QuerySet[Petition]:
    public_photos = Photo.objects.exclude(public_image="").order_by("id")
    return (
        Petition.objects.select_related("category", "region", "merged_into")
        .annotate(resident_evaluated=_resident_evaluated())
        .prefetch_related(Prefetch("photos", queryset=public_photos, to_attr="public_photos"))
    )


def petition_public_lookup(*, code: str, phone_last4: str) -> Petition | None:
    """The public status check: tracking code plus the last four digits of the phone."""
    code = (code or "").strip().upper()
    petition = _public_petitions().filter(tracking_code=code).first()
    if petition is None or not petition.phone_last4 or petition.phone_last4 != (phone_last4 or "").strip():
        return None
    return petition


def petition_public(pk: int) -> Petition:
    """An item as the public pages show it (after the private link or a resident's own list found it)."""
    return _public_petitions().get(pk=pk)


def petition_public_events(petition: Petition) -> list[Event]:
    """The public timeline entries of the item and of the item it was merged into, in order."""
    ids = [petition.pk] + ([petition.merged_into_id] if petition.merged_into_id else [])
    return list(Event.objects.filter(petition__in=ids, public=True).order_by("id"))


def masked_personal_data(petition: Petition) -> dict:
    return {
        "name": mask_name(petition.reporter_name),
        "phone": mask_phone(petition.reporter_phone),
        "address": mask_address(petition.address),
    }


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
