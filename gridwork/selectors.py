"""Reads of grid work: scope first, then the FilterSet, then keyset pagination."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.pagination import KeysetPage, keyset_page
from grids.models import Region
from grids.permissions import assignments, region_condition
from grids.roles import Role
from gridwork import permissions
from gridwork.filters import FieldDayFilter, HouseholdFilter, MeetingFilter, ReceptionFilter, ServiceItemFilter
from gridwork.models import (
    FieldDay,
    Finding,
    Household,
    Meeting,
    MeetingKind,
    OpeningHours,
    Reception,
    Resolution,
    ServiceCentre,
    Station,
    StationActivity,
    StationMember,
    Visit,
)
from petitions.models import OPEN_STATUSES, Petition

_EMPTY = KeysetPage(items=[], next_cursor=None, has_more=False)


def field_day_queryset(*, user, action: str = permissions.VIEW) -> QuerySet[FieldDay]:
    return permissions.scope(FieldDay.objects.all(), user, action)


def field_day_list(*, user, filters, cursor: str | None = None, size: int = 25) -> tuple[KeysetPage, FieldDayFilter]:
    """The user's field days, newest first; an invalid filter gives an empty page."""
    filterset = FieldDayFilter(filters, queryset=field_day_queryset(user=user), user=user)
    if not filterset.is_valid():
        return _EMPTY, filterset
    page = keyset_page(
        filterset.qs,
        cursor=cursor,
        ordering="-id",
        size=size,
        rows=lambda qs: qs.select_related("grid", "leader"),
    )
    return page, filterset


def field_day_get(*, user, pk: int, action: str = permissions.VIEW) -> FieldDay:
    """One field day in scope with its findings and their petitions; otherwise 404."""
    findings = Finding.objects.select_related("petition").order_by("id")
    try:
        return (
            field_day_queryset(user=user, action=action)
            .select_related("grid", "leader")
            .prefetch_related(Prefetch("findings", queryset=findings))
            .get(pk=pk)
        )
    except FieldDay.DoesNotExist:
        raise Http404 from None


def finding_get(*, user, day_pk: int, pk: int) -> Finding:
    try:
        return Finding.objects.select_related("field_day__grid").get(
            pk=pk, field_day__in=field_day_queryset(user=user, action=permissions.FILE_FROM).filter(pk=day_pk)
        )
    except Finding.DoesNotExist:
        raise Http404 from None


def week_start(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=today.weekday())


@dataclass(frozen=True)
class LeaderWeek:
    """A grid leader's week: distinct days in the grid since Monday against the expected number."""

    days: int
    expected: int
    open_items: int
    since: dt.date

    @property
    def short(self) -> int:
        return max(0, self.expected - self.days)


def leader_week(*, user, today: dt.date | None = None) -> LeaderWeek:
    """Two queries: the leader's days in the grid this week (a date counts once, however many grids
    were walked that day) and the open petitions in their grids."""
    today = today or timezone.localdate()
    since = week_start(today)
    days = FieldDay.objects.filter(leader=user, date__gte=since, date__lte=today).values("date").distinct().count()
    grids = [a.region.path for a in assignments(user) if a.role == Role.GRID_LEADER]
    open_items = (
        Petition.objects.filter(region_condition(grids, "region_path"), status__in=OPEN_STATUSES).count()
        if grids
        else 0
    )
    return LeaderWeek(days=days, expected=settings.GRIDWORK_FIELD_DAYS_PER_WEEK, open_items=open_items, since=since)


def findings_of_petition(*, user, petition) -> list[Finding]:
    """The finding a petition came from, if the user may see its field day (one query)."""
    return list(
        Finding.objects.filter(petition=petition, field_day__in=field_day_queryset(user=user)).select_related(
            "field_day__grid"
        )
    )


# --- Residents' meetings -----------------------------------------------------------------------------


def meeting_queryset(*, user, action: str = permissions.VIEW) -> QuerySet[Meeting]:
    return permissions.scope(Meeting.objects.all(), user, action)


def meeting_list(*, user, filters, cursor: str | None = None, size: int = 25) -> tuple[KeysetPage, MeetingFilter]:
    filterset = MeetingFilter(filters, queryset=meeting_queryset(user=user), user=user)
    if not filterset.is_valid():
        return _EMPTY, filterset
    page = keyset_page(
        filterset.qs,
        cursor=cursor,
        ordering="-id",
        size=size,
        rows=lambda qs: qs.select_related("kind", "region").annotate(resolution_count=Count("resolutions")),
    )
    return page, filterset


def meeting_get(*, user, pk: int, action: str = permissions.VIEW) -> Meeting:
    resolutions = Resolution.objects.select_related("petition", "wish").order_by("id")
    try:
        return (
            meeting_queryset(user=user, action=action)
            .select_related("kind", "region", "recorded_by", "for_petition")
            .prefetch_related(Prefetch("resolutions", queryset=resolutions))
            .get(pk=pk)
        )
    except Meeting.DoesNotExist:
        raise Http404 from None


def resolution_get(*, user, meeting_pk: int, pk: int) -> Resolution:
    try:
        return Resolution.objects.select_related("meeting").get(
            pk=pk, meeting__in=meeting_queryset(user=user, action=permissions.FILE_FROM).filter(pk=meeting_pk)
        )
    except Resolution.DoesNotExist:
        raise Http404 from None


def meetings_of_petition(*, user, petition) -> list[Meeting]:
    """The meetings that resolved this petition or were held about it, that the user may see (one query)."""
    return list(
        meeting_queryset(user=user)
        .filter(Q(resolutions__petition=petition) | Q(for_petition=petition))
        .select_related("kind")
        .distinct()
        .order_by("date", "id")
    )


def meeting_kinds_for(*, user) -> QuerySet[MeetingKind]:
    """The district's kinds and the local formats of the regions the user works in."""
    paths = [a.region.path for a in assignments(user)]
    above = {ancestor for a in assignments(user) for ancestor in a.region.ancestor_paths()}
    local = (region_condition(paths, "region__path") if paths else Q(pk__in=[])) | Q(region__path__in=above)
    return MeetingKind.objects.filter(is_active=True).filter(Q(region__isnull=True) | local).order_by("region", "code")


# --- The service catalogue and first-ask reception ------------------------------------------------------


def centres_public() -> list[ServiceCentre]:
    """Every open centre with its community and street, for the public catalogue (one query)."""
    return list(
        ServiceCentre.objects.filter(is_active=True).select_related("region__parent").order_by("region_path", "id")
    )


def centre_public(*, pk: int, filters=None) -> tuple[ServiceCentre, list[OpeningHours], ServiceItemFilter]:
    """One open centre, its hours and its (searched) items; a closed or unknown centre is a 404.
    A centre lists at most a few hundred items: the page shows them all, grouped."""
    try:
        centre = ServiceCentre.objects.select_related("region").get(pk=pk, is_active=True)
    except ServiceCentre.DoesNotExist:
        raise Http404 from None
    hours = list(centre.hours.order_by("weekday", "opens"))
    items = ServiceItemFilter(
        filters if filters is not None else {}, queryset=centre.items.order_by("group", "order", "id")
    )
    return centre, hours, items


def reception_queryset(*, user, action: str = permissions.VIEW) -> QuerySet[Reception]:
    return permissions.scope(Reception.objects.all(), user, action)


def reception_list(*, user, filters, cursor: str | None = None, size: int = 25) -> tuple[KeysetPage, ReceptionFilter]:
    filterset = ReceptionFilter(filters, queryset=reception_queryset(user=user), user=user)
    if not filterset.is_valid():
        return _EMPTY, filterset
    page = keyset_page(
        filterset.qs,
        cursor=cursor,
        ordering="-id",
        size=size,
        rows=lambda qs: qs.select_related("centre", "answered_by", "service"),
    )
    return page, filterset


def reception_get(*, user, pk: int, action: str = permissions.VIEW) -> Reception:
    try:
        return (
            reception_queryset(user=user, action=action).select_related("centre", "answered_by", "service").get(pk=pk)
        )
    except Reception.DoesNotExist:
        raise Http404 from None


def centres_for_reception(*, user) -> QuerySet[ServiceCentre]:
    return permissions.scope(ServiceCentre.objects.filter(is_active=True), user, permissions.RECORD_RECEPTION).order_by(
        "region_path", "id"
    )


# --- Household register, visits and the visit rate ------------------------------------------------------


def household_queryset(*, user, action: str = permissions.VIEW) -> QuerySet[Household]:
    return permissions.scope(Household.objects.all(), user, action)


@dataclass(frozen=True)
class VisitRate:
    """Households with at least one visit in the period ÷ households in the register (in scope)."""

    visited: int
    households: int
    date_from: dt.date
    date_to: dt.date

    @property
    def percent(self) -> float | None:
        return round(100 * self.visited / self.households, 1) if self.households else None


def visit_rate(households: QuerySet[Household], *, date_from: dt.date, date_to: dt.date) -> VisitRate:
    """One aggregate query over the households given (already scoped and filtered)."""
    visited = Exists(Visit.objects.filter(household=OuterRef("pk"), visited_on__gte=date_from, visited_on__lte=date_to))
    figures = (
        households.order_by()
        .annotate(was_visited=visited)
        .aggregate(households=Count("pk"), visited=Count("pk", filter=Q(was_visited=True)))
    )
    return VisitRate(figures["visited"], figures["households"], date_from, date_to)


def household_list(
    *, user, filters, cursor: str | None = None, size: int = 25
) -> tuple[KeysetPage, HouseholdFilter, VisitRate | None]:
    """The register in scope, and the visit rate over the same households for the period asked
    (default: this month so far)."""
    filterset = HouseholdFilter(filters, queryset=household_queryset(user=user), user=user)
    if not filterset.is_valid():
        return _EMPTY, filterset, None
    today = timezone.localdate()
    date_from = filterset.form.cleaned_data.get("visited_from") or today.replace(day=1)
    date_to = filterset.form.cleaned_data.get("visited_to") or today
    rate = visit_rate(filterset.qs, date_from=date_from, date_to=date_to)
    page = keyset_page(
        filterset.qs, cursor=cursor, ordering="-id", size=size, rows=lambda qs: qs.select_related("compound", "grid")
    )
    return page, filterset, rate


def household_get(*, user, pk: int, action: str = permissions.VIEW) -> Household:
    visits = Visit.objects.select_related("visitor", "petition", "wish").order_by("-visited_on", "-id")
    try:
        return (
            household_queryset(user=user, action=action)
            .select_related("compound", "grid")
            .prefetch_related(Prefetch("visits", queryset=visits))
            .get(pk=pk)
        )
    except Household.DoesNotExist:
        raise Http404 from None


def visit_get(*, user, household_pk: int, pk: int) -> Visit:
    """A visit of a household the user may record visits for (404 otherwise)."""
    try:
        return Visit.objects.get(
            pk=pk,
            household__in=household_queryset(user=user, action=permissions.RECORD_VISIT).filter(pk=household_pk),
        )
    except Visit.DoesNotExist:
        raise Http404 from None


def visits_of_petition(*, user, petition) -> list[Visit]:
    """The household visit this petition came from, if the user may see it (one query)."""
    return list(
        Visit.objects.filter(petition=petition, household__in=household_queryset(user=user)).select_related(
            "household__compound"
        )
    )


def visits_of_wish(*, user, wish) -> list[Visit]:
    """The household visit this micro-wish came from, if the user may see it (one query)."""
    return list(
        Visit.objects.filter(wish=wish, household__in=household_queryset(user=user)).select_related(
            "household__compound"
        )
    )


def meetings_of_wish(*, user, wish) -> list[Meeting]:
    """The meeting whose resolution became this micro-wish, if the user may see it (one query)."""
    meetings = meeting_queryset(user=user).filter(resolutions__wish=wish).select_related("kind")
    return list(meetings.order_by("date", "id"))


def compounds_for_import(*, user) -> QuerySet:
    return permissions.regions(user, permissions.IMPORT_HOUSEHOLDS, levels=(4,)).order_by("path")


# --- Figures for the dashboard and the monthly PDF (gridwork.figures) --------------------------------------


@dataclass(frozen=True)
class GridFigures:
    field_days: int
    credited_days: int
    leaders: int
    weeks: int
    expected: int
    households: int
    visited: int
    meetings: int
    resolutions: int
    resolutions_filed: int
    receptions: int
    referred: int
    station_members: int = 0
    station_residents: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def compliance(self) -> float | None:
        return self._rate(self.credited_days, self.leaders * self.weeks * self.expected)

    @property
    def visit_rate(self) -> float | None:
        return self._rate(self.visited, self.households)

    @property
    def follow_through(self) -> float | None:
        return self._rate(self.resolutions_filed, self.resolutions)

    @property
    def referral_rate(self) -> float | None:
        return self._rate(self.referred, self.receptions)

    @property
    def participation(self) -> float | None:
        return self._rate(self.station_members, self.station_residents)


def weeks_between(start: dt.date, end: dt.date) -> int:
    """The weeks (Monday to Sunday) that have at least one day in ``start``..``end``."""
    if end < start:
        return 0
    return (week_start(end) - week_start(start)).days // 7 + 1


_FIGURES_SQL = """
WITH leader_weeks AS (
    SELECT leader_id, date_trunc('week', date) AS week, COUNT(DISTINCT date) AS days
      FROM {field_day}
     WHERE region_path LIKE %(prefix)s AND date BETWEEN %(start)s AND %(end)s
     GROUP BY 1, 2
)
SELECT
    (SELECT COUNT(*) FROM {field_day} WHERE region_path LIKE %(prefix)s AND date BETWEEN %(start)s AND %(end)s),
    (SELECT COALESCE(SUM(LEAST(days, %(expected)s)), 0) FROM leader_weeks),
    (SELECT COUNT(DISTINCT ra.user_id) FROM {assignment} ra JOIN {region} r ON r.id = ra.region_id
      WHERE ra.role = %(leader_role)s AND r.path LIKE %(prefix)s),
    (SELECT COUNT(*) FROM {household} WHERE region_path LIKE %(prefix)s),
    (SELECT COUNT(DISTINCT v.household_id) FROM {visit} v JOIN {household} h ON h.id = v.household_id
      WHERE h.region_path LIKE %(prefix)s AND v.visited_on BETWEEN %(start)s AND %(end)s),
    (SELECT COUNT(*) FROM {meeting} WHERE region_path LIKE %(prefix)s AND date BETWEEN %(start)s AND %(end)s),
    (SELECT COUNT(*) FROM {resolution} res JOIN {meeting} m ON m.id = res.meeting_id
      WHERE m.region_path LIKE %(prefix)s AND m.date BETWEEN %(start)s AND %(end)s),
    (SELECT COUNT(*) FROM {resolution} res JOIN {meeting} m ON m.id = res.meeting_id
      WHERE m.region_path LIKE %(prefix)s AND m.date BETWEEN %(start)s AND %(end)s AND res.petition_id IS NOT NULL),
    (SELECT COUNT(*) FROM {reception} WHERE region_path LIKE %(prefix)s
        AND asked_at >= %(start_at)s AND asked_at < %(end_at)s),
    (SELECT COUNT(*) FROM {reception} WHERE region_path LIKE %(prefix)s
        AND asked_at >= %(start_at)s AND asked_at < %(end_at)s AND referred_to <> ''),
    (SELECT COUNT(*) FROM {member} sm JOIN {station} s ON s.id = sm.station_id
      WHERE s.region_path LIKE %(prefix)s AND s.is_active),
    (SELECT COALESCE(SUM(h.members), 0) FROM {household} h
      WHERE h.compound_id IN (SELECT compound_id FROM {station} WHERE region_path LIKE %(prefix)s AND is_active))
"""


def grid_figures(*, region, start: dt.date, end: dt.date, today: dt.date | None = None) -> GridFigures:
    """Every grid-work figure of ``region``'s subtree over ``start``..``end`` (dates, inclusive), in one
    statement: raw SQL because the field-day compliance caps each leader's week at the expected number
    before summing (an aggregate over an aggregate), and one round trip keeps the dashboard's query
    count fixed. Every count is over indexed ``region_path`` prefixes."""
    from grids.models import RoleAssignment

    today = today or timezone.localdate()
    end = min(end, today)
    zone = ZoneInfo(settings.TIME_ZONE)
    tables = {
        "field_day": FieldDay._meta.db_table,
        "assignment": RoleAssignment._meta.db_table,
        "region": Region._meta.db_table,
        "household": Household._meta.db_table,
        "visit": Visit._meta.db_table,
        "meeting": Meeting._meta.db_table,
        "resolution": Resolution._meta.db_table,
        "reception": Reception._meta.db_table,
        "station": Station._meta.db_table,
        "member": StationMember._meta.db_table,
    }
    quote = connection.ops.quote_name
    sql = _FIGURES_SQL.format(**{key: quote(table) for key, table in tables.items()})
    params = {
        "prefix": region.path.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%",
        "start": start,
        "end": end,
        "start_at": dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        "end_at": dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
        "expected": settings.GRIDWORK_FIELD_DAYS_PER_WEEK,
        "leader_role": Role.GRID_LEADER.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    (field_days, credited, leaders, households, visited, meetings, resolutions, filed, receptions, referred) = row[:10]
    return GridFigures(
        field_days=field_days,
        credited_days=int(credited),
        leaders=leaders,
        weeks=weeks_between(start, end),
        expected=settings.GRIDWORK_FIELD_DAYS_PER_WEEK,
        households=households,
        visited=visited,
        meetings=meetings,
        resolutions=resolutions,
        resolutions_filed=filed,
        receptions=receptions,
        referred=referred,
        station_members=row[10],
        station_residents=int(row[11]),
    )


# --- Self-governance stations ------------------------------------------------------------------------------


def _residents_of_compound() -> Subquery:
    """The residents of a station's compound: the members of its register's households."""
    return Subquery(
        Household.objects.filter(compound=OuterRef("compound"))
        .order_by()
        .values("compound")
        .annotate(total=Sum("members"))
        .values("total")[:1]
    )


def station_list(*, user, cursor: str | None = None, size: int = 25) -> KeysetPage:
    """Stations in scope with their members and residents (participation rate = members ÷ residents)."""
    qs = permissions.scope(Station.objects.all(), user)
    return keyset_page(
        qs,
        cursor=cursor,
        ordering="-id",
        size=size,
        rows=lambda rows: rows.select_related("compound").annotate(
            member_count=Count("members", distinct=True), residents=_residents_of_compound()
        ),
    )


def station_get(*, user, pk: int, action: str = permissions.VIEW) -> Station:
    try:
        return (
            permissions.scope(Station.objects.all(), user, action)
            .select_related("compound")
            .annotate(member_count=Count("members", distinct=True), residents=_residents_of_compound())
            .prefetch_related(
                "members", Prefetch("activities", queryset=StationActivity.objects.order_by("-date", "-id"))
            )
            .get(pk=pk)
        )
    except Station.DoesNotExist:
        raise Http404 from None


def station_member_get(*, user, station_pk: int, pk: int) -> StationMember:
    """A member of a station whose members the user may edit (404 otherwise)."""
    stations = permissions.scope(Station.objects.all(), user, permissions.EDIT_STATION).filter(pk=station_pk)
    try:
        return StationMember.objects.select_related("station").get(pk=pk, station__in=stations)
    except StationMember.DoesNotExist:
        raise Http404 from None


def participation_rate(station) -> float | None:
    return round(100 * station.member_count / station.residents, 1) if station.residents else None


def station_of_member(*, user, pk: int) -> Station:
    """A station the user is a member of (an active one); anything else is a 404."""
    try:
        return Station.objects.select_related("compound").get(pk=pk, is_active=True, members__user=user)
    except Station.DoesNotExist:
        raise Http404 from None


def stations_of_member(*, user) -> list[Station]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Station.objects.filter(is_active=True, members__user=user).order_by("id"))


# The child's path: the region's own path and the next segment of the record's path (every record
# read lies under the region). ``split_part`` on the rest is much cheaper per row than splitting the
# whole path into an array and joining a slice of it (measured at mini scale: 105 → 73 ms).
_CHILD_KEY = (
    "CASE WHEN {col} = %(own)s THEN 'self' "
    "ELSE %(own)s || split_part(substr({col}, %(own_length)s + 1), '/', 1) || '/' END"
)

_BREAKDOWN_SQL = """
WITH leader_weeks AS (
    SELECT leader_id, {fd_key} AS key, date_trunc('week', date) AS week, COUNT(DISTINCT date) AS days
      FROM {field_day}
     WHERE region_path LIKE %(prefix)s AND date BETWEEN %(start)s AND %(end)s
     GROUP BY 1, 2, 3
)
SELECT 'field_days', {fd_key}, COUNT(*) FROM {field_day}
 WHERE region_path LIKE %(prefix)s AND date BETWEEN %(start)s AND %(end)s GROUP BY 2
UNION ALL
SELECT 'credited_days', key, SUM(LEAST(days, %(expected)s)) FROM leader_weeks GROUP BY 2
UNION ALL
SELECT 'leaders', {r_key}, COUNT(DISTINCT ra.user_id) FROM {assignment} ra JOIN {region} r ON r.id = ra.region_id
 WHERE ra.role = %(leader_role)s AND r.path LIKE %(prefix)s GROUP BY 2
UNION ALL
SELECT 'households', {h_key}, COUNT(*) FROM {household} h WHERE h.region_path LIKE %(prefix)s GROUP BY 2
UNION ALL
SELECT 'visited', {h_key}, COUNT(DISTINCT v.household_id) FROM {visit} v JOIN {household} h ON h.id = v.household_id
 WHERE h.region_path LIKE %(prefix)s AND v.visited_on BETWEEN %(start)s AND %(end)s GROUP BY 2
UNION ALL
SELECT 'meetings', {m_key}, COUNT(*) FROM {meeting} m
 WHERE m.region_path LIKE %(prefix)s AND m.date BETWEEN %(start)s AND %(end)s GROUP BY 2
UNION ALL
SELECT 'resolutions', {m_key}, COUNT(*) FROM {resolution} res JOIN {meeting} m ON m.id = res.meeting_id
 WHERE m.region_path LIKE %(prefix)s AND m.date BETWEEN %(start)s AND %(end)s GROUP BY 2
UNION ALL
SELECT 'resolutions_filed', {m_key}, COUNT(*) FROM {resolution} res JOIN {meeting} m ON m.id = res.meeting_id
 WHERE m.region_path LIKE %(prefix)s AND m.date BETWEEN %(start)s AND %(end)s AND res.petition_id IS NOT NULL GROUP BY 2
UNION ALL
SELECT 'receptions', {c_key}, COUNT(*) FROM {reception} c
 WHERE c.region_path LIKE %(prefix)s AND c.asked_at >= %(start_at)s AND c.asked_at < %(end_at)s GROUP BY 2
UNION ALL
SELECT 'referred', {c_key}, COUNT(*) FROM {reception} c
 WHERE c.region_path LIKE %(prefix)s AND c.asked_at >= %(start_at)s AND c.asked_at < %(end_at)s
   AND c.referred_to <> '' GROUP BY 2
"""


def grid_figures_by_child(*, region, start: dt.date, end: dt.date, today: dt.date | None = None) -> dict:
    """``GridFigures`` of each child of ``region`` (by its path; ``"self"`` for records on the region
    itself), in one statement: every count grouped by the child's path prefix, set-based (the
    drill-down of the grid dashboard; raw SQL for the same reason as ``grid_figures``)."""
    from grids.models import RoleAssignment

    today = today or timezone.localdate()
    end = min(end, today)
    zone = ZoneInfo(settings.TIME_ZONE)
    quote = connection.ops.quote_name
    names = {
        "field_day": FieldDay,
        "assignment": RoleAssignment,
        "region": Region,
        "household": Household,
        "visit": Visit,
        "meeting": Meeting,
        "resolution": Resolution,
        "reception": Reception,
    }
    tables = {key: quote(model._meta.db_table) for key, model in names.items()}
    keys = {
        "fd_key": _CHILD_KEY.format(col="region_path"),
        "r_key": _CHILD_KEY.format(col="r.path"),
        "h_key": _CHILD_KEY.format(col="h.region_path"),
        "m_key": _CHILD_KEY.format(col="m.region_path"),
        "c_key": _CHILD_KEY.format(col="c.region_path"),
    }
    sql = _BREAKDOWN_SQL.format(**tables, **keys)
    params = {
        "prefix": region.path.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%",
        "own": region.path,
        "own_length": len(region.path),
        "start": start,
        "end": end,
        "start_at": dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        "end_at": dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
        "expected": settings.GRIDWORK_FIELD_DAYS_PER_WEEK,
        "leader_role": Role.GRID_LEADER.value,
    }
    counts: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for metric, key, value in cursor.fetchall():
            counts.setdefault(key, {})[metric] = int(value or 0)
    weeks = weeks_between(start, end)
    expected = settings.GRIDWORK_FIELD_DAYS_PER_WEEK
    fields = (
        "field_days",
        "credited_days",
        "leaders",
        "households",
        "visited",
        "meetings",
        "resolutions",
        "resolutions_filed",
        "receptions",
        "referred",
    )
    return {
        key: GridFigures(weeks=weeks, expected=expected, **{name: found.get(name, 0) for name in fields})
        for key, found in counts.items()
    }


@dataclass(frozen=True)
class LeaderCompliance:
    user_id: int
    name: str
    field_days: int
    credited_days: int
    weeks: int
    expected: int

    @property
    def compliance(self) -> float | None:
        whole = self.weeks * self.expected
        return round(100 * self.credited_days / whole, 1) if whole else None


_LEADERS_SQL = """
WITH leaders AS (
    SELECT DISTINCT ra.user_id FROM {assignment} ra JOIN {region} r ON r.id = ra.region_id
     WHERE ra.role = %(leader_role)s AND r.path LIKE %(prefix)s
), weeks AS (
    SELECT leader_id, date_trunc('week', date) AS week, COUNT(DISTINCT date) AS days, COUNT(*) AS records
      FROM {field_day}
     WHERE region_path LIKE %(prefix)s AND date BETWEEN %(start)s AND %(end)s
       AND leader_id IN (SELECT user_id FROM leaders)
     GROUP BY 1, 2
)
SELECT l.user_id, COALESCE(NULLIF(u.full_name, ''), u.username),
       COALESCE(SUM(w.records), 0), COALESCE(SUM(LEAST(COALESCE(w.days, 0), %(expected)s)), 0)
  FROM leaders l JOIN {user} u ON u.id = l.user_id LEFT JOIN weeks w ON w.leader_id = l.user_id
 GROUP BY 1, 2
 ORDER BY 4, 2
 LIMIT %(limit)s
"""


def leader_compliance(*, region, start: dt.date, end: dt.date, limit: int = 200) -> list[LeaderCompliance]:
    """Field-day compliance of each grid leader of the region (lowest first, at most ``limit``), in
    one statement (raw SQL for the same capped-week sum as ``grid_figures``)."""
    from django.contrib.auth import get_user_model

    from grids.models import RoleAssignment

    end = min(end, timezone.localdate())
    quote = connection.ops.quote_name
    sql = _LEADERS_SQL.format(
        assignment=quote(RoleAssignment._meta.db_table),
        region=quote(Region._meta.db_table),
        field_day=quote(FieldDay._meta.db_table),
        user=quote(get_user_model()._meta.db_table),
    )
    params = {
        "prefix": region.path.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%",
        "start": start,
        "end": end,
        "expected": settings.GRIDWORK_FIELD_DAYS_PER_WEEK,
        "leader_role": Role.GRID_LEADER.value,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    weeks, expected = weeks_between(start, end), settings.GRIDWORK_FIELD_DAYS_PER_WEEK
    return [
        LeaderCompliance(uid, name, int(days), int(credited), weeks, expected) for uid, name, days, credited in rows
    ]


# --- The grid-work export (exports app, kind "gridwork") ---------------------------------------------------


def _up(column: str, alias: str) -> tuple[str, str]:
    """The select expression and the join that give each record the path of its own node and of
    every ancestor down from the exported region (``k`` = depth), so one ``GROUP BY path`` counts
    every node of the subtree at once."""
    expression = f"array_to_string((string_to_array({column}, '/'))[1:{alias}.k], '/') || '/'"
    join = (
        f"CROSS JOIN LATERAL generate_series(%(depth)s, "
        f"cardinality(string_to_array(rtrim({column}, '/'), '/'))) AS {alias}(k)"
    )
    return expression, join


def _rate_sql(part: str, whole: str) -> str:
    return f"CASE WHEN ({whole}) > 0 THEN round(100.0 * ({part}) / ({whole}), 1)::text || '%%' ELSE '' END"


_EXPORT_SQL = """
WITH nodes AS (
    SELECT id, path, code, name, level FROM {region} WHERE path LIKE %(prefix)s
), field_days AS (
    SELECT {fd_up} AS path, leader_id, date FROM {field_day} fd {fd_join}
     WHERE fd.region_path LIKE %(prefix)s AND fd.date BETWEEN %(start)s AND %(end)s
), credited AS (
    SELECT path, SUM(LEAST(days, %(expected)s)) AS credited FROM (
        SELECT path, leader_id, date_trunc('week', date), COUNT(DISTINCT date) AS days
          FROM field_days GROUP BY 1, 2, 3) weeks
     GROUP BY path
), days AS (
    SELECT path, COUNT(*) AS field_days FROM field_days GROUP BY path
), leaders AS (
    SELECT {r_up} AS path, COUNT(DISTINCT ra.user_id) AS leaders
      FROM {assignment} ra JOIN {region} r ON r.id = ra.region_id {r_join}
     WHERE ra.role = %(leader_role)s AND r.path LIKE %(prefix)s GROUP BY 1
), households AS (
    SELECT {h_up} AS path, COUNT(*) AS households,
           COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM {visit} v WHERE v.household_id = h.id
                                             AND v.visited_on BETWEEN %(start)s AND %(end)s)) AS visited
      FROM {household} h {h_join}
     WHERE h.region_path LIKE %(prefix)s GROUP BY 1
), meetings AS (
    SELECT {m_up} AS path, COUNT(DISTINCT m.id) AS meetings, COUNT(res.id) AS resolutions,
           COUNT(res.petition_id) AS filed
      FROM {meeting} m LEFT JOIN {resolution} res ON res.meeting_id = m.id {m_join}
     WHERE m.region_path LIKE %(prefix)s AND m.date BETWEEN %(start)s AND %(end)s GROUP BY 1
), receptions AS (
    SELECT {c_up} AS path, COUNT(*) AS receptions, COUNT(*) FILTER (WHERE c.referred_to <> '') AS referred
      FROM {reception} c {c_join}
     WHERE c.region_path LIKE %(prefix)s AND c.asked_at >= %(start_at)s AND c.asked_at < %(end_at)s GROUP BY 1
)
SELECT n.code, n.name, n.level,
       COALESCE(d.field_days, 0), COALESCE(l.leaders, 0), {compliance},
       COALESCE(h.households, 0), COALESCE(h.visited, 0), {visit_rate},
       COALESCE(m.meetings, 0), COALESCE(m.resolutions, 0), COALESCE(m.filed, 0), {follow_through},
       COALESCE(c.receptions, 0), COALESCE(c.referred, 0), {referral_rate}
  FROM nodes n
  LEFT JOIN days d ON d.path = n.path
  LEFT JOIN credited cr ON cr.path = n.path
  LEFT JOIN leaders l ON l.path = n.path
  LEFT JOIN households h ON h.path = n.path
  LEFT JOIN meetings m ON m.path = n.path
  LEFT JOIN receptions c ON c.path = n.path
 ORDER BY n.path
"""


def export_headers() -> list[str]:
    return [
        str(_("Region code")),
        str(_("Region")),
        str(_("Level")),
        str(_("Field days")),
        str(_("Grid leaders")),
        str(_("Field-day compliance")),
        str(_("Households")),
        str(_("Households visited")),
        str(_("Visit rate")),
        str(_("Residents' meetings")),
        str(_("Resolutions")),
        str(_("Resolutions filed as petitions")),
        str(_("Resolutions taken up")),
        str(_("First-ask receptions")),
        str(_("Referred elsewhere")),
        str(_("Referral rate")),
    ]


def export_sql(*, region: Region, start: dt.date, end: dt.date, today: dt.date | None = None) -> tuple[str, dict]:
    """One row per node of ``region``'s subtree (the region itself, its streets, communities,
    compounds and grids, in tree order) with grid work's figures over ``start``..``end``, defined as
    on the dashboard (``grid_figures``). Raw SQL: every record is counted at its node and each
    ancestor in one set-based pass (the dashboard's statement once per node would be a thousand
    statements at district scale), and the exports app writes it with ``COPY``."""
    from grids.models import RoleAssignment

    today = today or timezone.localdate()
    end = min(end, today)
    zone = ZoneInfo(settings.TIME_ZONE)
    quote = connection.ops.quote_name
    names = {
        "field_day": FieldDay,
        "assignment": RoleAssignment,
        "region": Region,
        "household": Household,
        "visit": Visit,
        "meeting": Meeting,
        "resolution": Resolution,
        "reception": Reception,
    }
    parts = {key: quote(model._meta.db_table) for key, model in names.items()}
    for key, column, alias in (
        ("fd", "fd.region_path", "fk"),
        ("r", "r.path", "rk"),
        ("h", "h.region_path", "hk"),
        ("m", "m.region_path", "mk"),
        ("c", "c.region_path", "ck"),
    ):
        parts[f"{key}_up"], parts[f"{key}_join"] = _up(column, alias)
    expected = settings.GRIDWORK_FIELD_DAYS_PER_WEEK
    weeks = weeks_between(start, end)
    parts.update(
        compliance=_rate_sql("COALESCE(cr.credited, 0)", f"COALESCE(l.leaders, 0) * {int(weeks)} * {int(expected)}"),
        visit_rate=_rate_sql("COALESCE(h.visited, 0)", "COALESCE(h.households, 0)"),
        follow_through=_rate_sql("COALESCE(m.filed, 0)", "COALESCE(m.resolutions, 0)"),
        referral_rate=_rate_sql("COALESCE(c.referred, 0)", "COALESCE(c.receptions, 0)"),
    )
    sql = _EXPORT_SQL.format(**parts)
    params = {
        "prefix": region.path.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%",
        "depth": region.level,
        "start": start,
        "end": end,
        "start_at": dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        "end_at": dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
        "expected": expected,
        "leader_role": Role.GRID_LEADER.value,
    }
    return sql, params


def export_ids_sql(*, region: Region) -> tuple[str, dict]:
    """The export's rows (the subtree's nodes), for counting them."""
    prefix = region.path.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
    table = connection.ops.quote_name(Region._meta.db_table)
    return f"SELECT id FROM {table} WHERE path LIKE %(prefix)s", {"prefix": prefix}  # noqa: S608 (our table name)
