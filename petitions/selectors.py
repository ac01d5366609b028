"""Reads of petitions: scope first, then the shared FilterSet, then keyset pagination."""

from __future__ import annotations

import datetime as dt
import json
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, JSONField, Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from core.masking import mask_address, mask_name, mask_phone
from core.pagination import keyset_page, keyset_page_sql
from grids.models import ancestor_paths
from petitions import permissions
from petitions.filters import PetitionFilter, ReadOnlyPetitionFilter
from petitions.models import Category, Deadline, Evaluation, Event, Petition

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


def _queue(
    base: QuerySet[Petition], filters, filterset_class: type[PetitionFilter] = PetitionFilter
) -> tuple[QuerySet[Petition], str, PetitionFilter]:
    """The scoped queryset filtered by the queue's FilterSet, and its keyset ordering."""
    filterset = filterset_class(filters or {}, queryset=base)
    if not filterset.is_valid():
        return base.none(), "-id", filterset
    qs, ordering = filterset.qs, filterset.ordering
    if ordering == "next_due_at":
        qs = qs.filter(next_due_at__isnull=False)
    return qs, ordering, filterset


def petition_list(*, user, filters: dict | None = None, cursor: str | None = None, size: int = 25):
    """The queue: scoped, filtered, one keyset page. Returns (page, filterset)."""
    base = petition_queryset(user=user).select_related("category", "region", "unit", "claimed_by")
    qs, ordering, filterset = _queue(base, filters)
    qs = qs.prefetch_related(
        Prefetch("deadlines", queryset=Deadline.objects.filter(met_at__isnull=True), to_attr="running_deadlines")
    )
    return keyset_page(qs, cursor=cursor, ordering=ordering, size=size), filterset


# --- The list's rows ---------------------------------------------------------------------------------
#
# The API list and the queue page show a fixed set of columns, so their page is read as plain values
# in one statement: the item's own columns, and its category, region, handling unit, claimer and
# running deadlines through JSON sub-selects. No model instances are built, and PostgreSQL plans
# sub-selects by primary key far quicker than joins: with the four joins of ``petition_list``
# planning alone took 1.3 ms, more than running the statement. The ORM builds only the WHERE clause
# (scope and FilterSet, ``core.pagination.keyset_page_sql``); the SELECT list is the constant SQL
# below (docs/performance.md).

# The related rows' fields, as the sub-selects below and ``summary_row`` give them.
SUMMARY_RELATED = {
    "category": ("code", "name_zh", "name_en"),
    "region": ("id", "name", "code", "kind"),
    "unit": ("id", "name", "code", "kind"),
    "claimed_by": ("id", "full_name", "username"),
}
DEADLINE_FIELDS = ("kind", "due_at", "paused_at", "warned_at", "breached_at")


class RunningDeadline(NamedTuple):
    kind: str
    due_at: dt.datetime
    paused_at: dt.datetime | None
    warned_at: dt.datetime | None
    breached_at: dt.datetime | None


class SummaryRow(NamedTuple):
    """One row of the API list: the item's columns; its related rows as dicts of the fields in
    ``SUMMARY_RELATED`` (None without one); its running deadlines, soonest first."""

    id: int
    tracking_code: str
    title: str
    status: str
    klass: str
    level: int
    channel: str
    anonymous: bool
    reporter_name: str
    reporter_phone: str
    address: str
    solved_on_spot: bool
    rework_count: int
    escalation_count: int
    created_at: dt.datetime
    updated_at: dt.datetime
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    resolve_by: dt.datetime | None
    paused_at: dt.datetime | None
    next_due_at: dt.datetime | None  # the keyset of "due soonest"
    region_path: str  # the queue page's claim check (permissions.may_act)
    category: dict
    region: dict
    unit: dict | None
    claimed_by: dict | None
    deadlines: list[RunningDeadline]


_COLUMNS = SummaryRow._fields[: SummaryRow._fields.index("category")]


# The related rows and running deadlines of the row, as one JSON object whose keys are the fields
# of ``SUMMARY_RELATED`` and "deadlines" (``DEADLINE_FIELDS``, soonest first; null without any).
# Raw SQL rather than the ORM's Subquery: building and compiling five ORM sub-queries per request
# cost more than PostgreSQL spends running them. It refers to the outer row as
# ``petitions_petition`` (``keyset_page_sql`` refuses a query that joins another table).
_RELATED_SQL = """
jsonb_build_object(
  'category', (SELECT jsonb_build_object('code', c.code, 'name_zh', c.name_zh, 'name_en', c.name_en)
                 FROM petitions_category c WHERE c.id = petitions_petition.category_id),
  'region', (SELECT jsonb_build_object('id', r.id, 'name', r.name, 'code', r.code, 'kind', r.kind)
               FROM grids_region r WHERE r.id = petitions_petition.region_id),
  'unit', (SELECT jsonb_build_object('id', u.id, 'name', u.name, 'code', u.code, 'kind', u.kind)
             FROM grids_handlingunit u WHERE u.id = petitions_petition.unit_id),
  'claimed_by', (SELECT jsonb_build_object('id', u.id, 'full_name', u.full_name, 'username', u.username)
                   FROM accounts_user u WHERE u.id = petitions_petition.claimed_by_id),
  'deadlines', (SELECT jsonb_agg(jsonb_build_object('kind', d.kind, 'due_at', d.due_at, 'paused_at', d.paused_at,
                                                    'warned_at', d.warned_at, 'breached_at', d.breached_at)
                                 ORDER BY d.due_at, d.id)
                  FROM petitions_deadline d WHERE d.petition_id = petitions_petition.id AND d.met_at IS NULL))"""
# The SELECT list of a page: ``SummaryRow``'s columns, then the related rows' JSON.
_SELECT_SQL = ", ".join(
    [*(f'petitions_petition."{Petition._meta.get_field(name).column}"' for name in _COLUMNS), _RELATED_SQL]
)


class RowNames:
    """The names a page of ``SummaryRow``s shows for its categories and people, through the models'
    own rules (``Category.name`` in the active language, the user's ``__str__``), each worked out
    once per page."""

    def __init__(self) -> None:
        self._categories: dict[str, str] = {}
        self._people: dict[int, str] = {}

    def category(self, fields: dict) -> str:
        code = fields["code"]
        if code not in self._categories:
            self._categories[code] = Category(**fields).name
        return self._categories[code]

    def person(self, fields: dict) -> str:
        pk = fields["id"]
        if pk not in self._people:
            self._people[pk] = str(get_user_model()(**fields))
        return self._people[pk]


def _parsed(value: str | None) -> dt.datetime | None:
    # A timestamp inside JSON is ISO 8601 text with its offset: the same instant.
    return None if value is None else dt.datetime.fromisoformat(value)


def _summary_row(values) -> SummaryRow:
    *columns, related = values
    related = json.loads(related)  # jsonb arrives as text (Django's psycopg setup)
    deadlines = [
        RunningDeadline(d["kind"], *(_parsed(d[field]) for field in DEADLINE_FIELDS[1:]))
        for d in related["deadlines"] or ()
    ]
    return SummaryRow(*columns, *(related[name] for name in SUMMARY_RELATED), deadlines)


def petition_list_rows(
    *,
    user,
    filters: dict | None = None,
    cursor: str | None = None,
    size: int = 25,
):
    """The queue as the API and the queue page list it: the page and filterset of ``petition_list``,
    its items ``SummaryRow``s read in one statement. The filterset only validates the query (a page
    that draws the filter form builds a ``PetitionFilter`` of its own). Returns (page, filterset)."""
    qs, ordering, filterset = _queue(petition_queryset(user=user), filters, ReadOnlyPetitionFilter)
    page = keyset_page_sql(qs, select=_SELECT_SQL, row=_summary_row, cursor=cursor, ordering=ordering, size=size)
    return page, filterset


def summary_row(petition: Petition) -> SummaryRow:
    """The API list's row of a model instance (single items, such as an action's answer, are
    instances): the values ``petition_list_rows`` reads."""
    related = {}
    for name, fields in SUMMARY_RELATED.items():
        obj = getattr(petition, name)
        related[name] = None if obj is None else {field: getattr(obj, field) for field in fields}
    deadlines = [
        RunningDeadline(*(getattr(d, field) for field in DEADLINE_FIELDS)) for d in running_deadlines(petition)
    ]
    return SummaryRow(*(getattr(petition, column) for column in _COLUMNS), **related, deadlines=deadlines)


def running_deadlines(petition: Petition) -> list[Deadline]:
    """The item's running deadlines, soonest first: those given as ``running_deadlines`` (prefetched
    by ``petition_list``, or written by a filing) or else read."""
    running = getattr(petition, "running_deadlines", None)
    if running is None:
        running = petition.deadlines.filter(met_at__isnull=True)
    return sorted(running, key=lambda d: (d.due_at, d.pk))


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


# What the public pages show of an item besides its own row, as annotations computed in the same
# statement (raw SQL: compiling the ORM's subqueries cost more than running them). They refer to the
# outer row as ``petitions_petition``, so they only fit a plain query on Petition.
_PUBLIC_EVENTS = """
SELECT COALESCE(jsonb_agg(jsonb_build_array(
         e.petition_id, e.kind, e.action, e.to_status, e.text, e.data, e.created_at) ORDER BY e.id), '[]')
  FROM petitions_event e
 WHERE e.petition_id IN (petitions_petition.id, petitions_petition.merged_into_id) AND e.public"""
_PUBLIC_PHOTO_NAMES = """
SELECT COALESCE(jsonb_agg(f.public_image ORDER BY f.id), '[]')
  FROM petitions_photo f
 WHERE f.petition_id = petitions_petition.id AND f.public_image <> ''"""
_RESIDENT_EVALUATED = """
SELECT EXISTS (SELECT FROM petitions_evaluation v
                WHERE v.petition_id = petitions_petition.id AND v.source = %s
                  AND v.created_at >= petitions_petition.replied_at)"""


def _public_extras() -> dict:
    """``public_events``: the public timeline entries of the item and of the item it was merged into,
    as ``[petition_id, kind, action, to_status, text, data, created_at (ISO 8601)]`` in order;
    ``public_photo_names``: the public copies of its photos, in the order they were added;
    ``resident_evaluated``: the resident has evaluated the latest reply."""
    # S611: our own constant SQL; the one value is a parameter.
    return {
        "public_events": RawSQL(_PUBLIC_EVENTS, (), output_field=JSONField()),  # noqa: S611
        "public_photo_names": RawSQL(_PUBLIC_PHOTO_NAMES, (), output_field=JSONField()),  # noqa: S611
        "resident_evaluated": RawSQL(  # noqa: S611
            _RESIDENT_EVALUATED, (Evaluation.Source.RESIDENT,), output_field=BooleanField()
        ),
    }


def petition_public_lookup(*, code: str, phone_last4: str) -> Petition | None:
    """The public status check: tracking code plus the last four digits of the phone. One statement
    brings the item, its category and region and what the page shows of it (``_public_extras``)."""
    code = (code or "").strip().upper()
    petition = (
        Petition.objects.select_related("category", "region")
        .annotate(**_public_extras())
        .filter(tracking_code=code)
        .first()
    )
    if petition is None or not petition.phone_last4 or petition.phone_last4 != (phone_last4 or "").strip():
        return None
    return petition


def petition_public_extras(petition: Petition) -> dict:
    """What the public pages show of ``petition`` besides its row (``_public_extras``): from the
    status check's annotations, or in one query for an item fetched otherwise."""
    names = ("public_events", "public_photo_names", "resident_evaluated")
    if all(hasattr(petition, name) for name in names):
        return {name: getattr(petition, name) for name in names}
    return Petition.objects.filter(pk=petition.pk).values(**_public_extras()).get()


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
