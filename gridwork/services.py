"""Writes of grid work: ``<entity>_<verb>(*, …)``, atomic, audited, scoped.

Whatever becomes a petition goes through ``petitions.services.petition_file`` (the one intake), in
the same transaction as the link back, and leaves an entry on the petition's timeline."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import normalize_cn_mobile
from core.errors import DomainError
from core.models import PersonalDataReveal
from core.services import reveal_logged
from grids.models import Region
from gridwork import permissions
from gridwork.models import (
    MAX_HOURS,
    FieldDay,
    Finding,
    Household,
    Meeting,
    MeetingKind,
    Reception,
    Resolution,
    ServiceCentre,
    ServiceItem,
    Station,
    StationActivity,
    StationMember,
    Visit,
)
from petitions import permissions as petition_permissions
from petitions import services as petition_services
from petitions.models import Category, Channel, Klass, Petition, Status
from volunteers import permissions as volunteer_permissions
from volunteers import services as volunteer_services
from volunteers.models import Wish

FINDING_EVENT = "gridwork.field_day"
TITLE_LENGTH = 120


def findings_from_text(text: str) -> list[str]:
    """One finding per non-empty line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _check_day(*, user, grid: Region, date: dt.date, hours) -> Decimal:
    if grid.level != 5 or not permissions.may_in(user, permissions.LOG_FIELD_DAY, grid.path):
        raise DomainError(_("Choose one of your own grids."), field="grid")
    if date > timezone.localdate():
        raise DomainError(_("A field day cannot be in the future."), field="date")
    try:
        hours = Decimal(str(hours))
    except InvalidOperation:
        raise DomainError(_("Enter the hours as a number."), field="hours") from None
    if not hours.is_finite() or not (0 <= hours <= MAX_HOURS):
        raise DomainError(_("Hours must be between 0 and 24."), field="hours")
    return hours.quantize(Decimal("0.1"))


@transaction.atomic
def field_day_log(
    *,
    user,
    grid: Region,
    date: dt.date,
    hours,
    households: int = 0,
    notes: str = "",
    findings: Sequence[str] = (),
) -> FieldDay:
    """Record a grid leader's day in one of their grids, with what they found there."""
    hours = _check_day(user=user, grid=grid, date=date, hours=hours)
    if households < 0:
        raise DomainError(_("The number of households cannot be negative."), field="households")
    day = FieldDay(
        leader=user,
        grid=grid,
        region_path=grid.path,
        date=date,
        hours=hours,
        households=households,
        notes=(notes or "").strip(),
    )
    try:
        with transaction.atomic(), pghistory.context(action="field_day_log"):
            day.save(force_insert=True)
    except IntegrityError:
        raise DomainError(_("You have already recorded a field day in this grid on that date."), field="date") from None
    with pghistory.context(action="field_day_log"):
        Finding.objects.bulk_create([Finding(field_day=day, text=text.strip()) for text in findings if text.strip()])
    return day


@transaction.atomic
def finding_file(
    *,
    user,
    finding: Finding,
    category: Category,
    title: str = "",
    description: str = "",
    address: str = "",
) -> Petition:
    """File a finding as a petition in one step: channel "grid", the field day's grid as its place,
    the finding's text as title and description unless given; the finding links to it."""
    finding = Finding.objects.select_for_update().select_related("field_day__grid").get(pk=finding.pk)
    day = finding.field_day
    if not (
        permissions.may_in(user, permissions.FILE_FROM, day.region_path)
        and permissions.may_in(user, petition_permissions.FILE, day.region_path)
    ):
        raise DomainError(_("You may not file petitions in this grid."))
    if finding.petition_id:
        raise DomainError(_("This finding is already a petition."))
    text = finding.text
    petition, _token = petition_services.petition_file(
        channel=Channel.GRID,
        category=category,
        region=day.grid,
        title=(title or text).strip()[:TITLE_LENGTH],
        description=(description or text).strip(),
        address=address,
        filed_by=user,
    )
    finding.petition = petition
    with pghistory.context(action="finding_file"):
        finding.save(update_fields=["petition"])
    petition_services.petition_log(
        petition=petition,
        name=FINDING_EVENT,
        params={"date": day.date.isoformat(), "grid": day.grid.name, "field_day": day.pk},
        actor=user,
    )
    return petition


# --- Residents' meetings -----------------------------------------------------------------------------

MEETING_EVENT = "gridwork.meeting"
MAX_PARTICIPANTS = 100_000


def _check_resolution(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write what the meeting resolved."), field="text")
    return text


@transaction.atomic
def meeting_record(
    *,
    user,
    kind: MeetingKind,
    date: dt.date,
    place: str,
    region: Region,
    topics: str,
    participants: int = 0,
    officials: str = "",
    resolutions: Sequence[str] = (),
    for_petition: Petition | None = None,
) -> Meeting:
    """Record a residents' meeting (or a joint meeting) in a region of the user's scope, with what
    it resolved. A joint meeting held about a petition also goes on that petition's timeline."""
    if not permissions.may_in(user, permissions.RECORD_MEETING, region.path):
        raise DomainError(_("Choose a region you work in."), field="region")
    if not kind.is_active:
        raise DomainError(_("This kind of meeting is no longer in use."), field="kind")
    if date > timezone.localdate():
        raise DomainError(_("Record a meeting once it has been held."), field="date")
    if not (place or "").strip():
        raise DomainError(_("Say where the meeting was held."), field="place")
    if not (topics or "").strip():
        raise DomainError(_("Write the topics discussed."), field="topics")
    if not (0 <= participants <= MAX_PARTICIPANTS):
        raise DomainError(_("Enter a plausible number of participants."), field="participants")
    if for_petition is not None and not for_petition.region_path.startswith(region.path):
        raise DomainError(_("The meeting must be held where the petition is."), field="region")
    meeting = Meeting(
        kind=kind,
        date=date,
        place=place.strip(),
        region=region,
        region_path=region.path,
        participants=participants,
        officials=(officials or "").strip(),
        topics=topics.strip(),
        recorded_by=user,
        for_petition=for_petition,
    )
    with pghistory.context(action="meeting_record"):
        meeting.save(force_insert=True)
        Resolution.objects.bulk_create(
            [Resolution(meeting=meeting, text=text.strip()) for text in resolutions if text.strip()]
        )
    if for_petition is not None:
        _record_on_petition(user=user, meeting=meeting, petition=for_petition, resolutions=resolutions)
    return meeting


def _record_on_petition(*, user, meeting: Meeting, petition: Petition, resolutions: Sequence[str]) -> None:
    """The joint meeting of a major item in progress is also the item's own joint-meeting step
    (``petition_meeting``: its decision on the timeline, the meeting deadline met) when the recorder
    may handle the item; in every case the item's timeline names this meeting."""
    decision = "；".join(text.strip() for text in resolutions if text.strip())
    if (
        meeting.kind.is_joint
        and decision
        and petition.klass == Klass.MAJOR
        and petition.status == Status.ACCEPTED
        and petition_permissions.may_act(user, petition, petition_permissions.HANDLE)
    ):
        petition_services.petition_meeting(
            user=user, petition=petition, decision=decision, participants=meeting.officials
        )
    petition_services.petition_log(petition=petition, name=MEETING_EVENT, params=_meeting_params(meeting), actor=user)


def _meeting_params(meeting: Meeting) -> dict:
    kind = meeting.kind
    return {
        "date": meeting.date.isoformat(),
        "kind": kind.code,
        "kind_zh": kind.name_zh,
        "kind_en": kind.name_en,
        "place": meeting.place,
        "meeting": meeting.pk,
    }


@transaction.atomic
def resolution_add(*, user, meeting: Meeting, text: str) -> Resolution:
    if not permissions.may_in(user, permissions.RECORD_MEETING, meeting.region_path):
        raise DomainError(_("You may not change this meeting."))
    with pghistory.context(action="resolution_add"):
        return Resolution.objects.create(meeting=meeting, text=_check_resolution(text))


@transaction.atomic
def resolution_file(
    *, user, resolution: Resolution, category: Category, title: str = "", description: str = "", address: str = ""
) -> Petition:
    """File a resolution as a petition in one step: channel "meeting", the meeting's region as its
    place; the resolution links to it and the petition's timeline names the meeting."""
    resolution = (
        Resolution.objects.select_for_update().select_related("meeting__region", "meeting__kind").get(pk=resolution.pk)
    )
    meeting = resolution.meeting
    if not (
        permissions.may_in(user, permissions.FILE_FROM, meeting.region_path)
        and permissions.may_in(user, petition_permissions.FILE, meeting.region_path)
    ):
        raise DomainError(_("You may not file petitions in this region."))
    if resolution.petition_id:
        raise DomainError(_("This resolution is already a petition."))
    text = _check_resolution(resolution.text)
    petition, _token = petition_services.petition_file(
        channel=Channel.MEETING,
        category=category,
        region=meeting.region,
        title=(title or text).strip()[:TITLE_LENGTH],
        description=(description or text).strip(),
        address=address or meeting.place,
        filed_by=user,
    )
    resolution.petition = petition
    with pghistory.context(action="resolution_file"):
        resolution.save(update_fields=["petition"])
    petition_services.petition_log(petition=petition, name=MEETING_EVENT, params=_meeting_params(meeting), actor=user)
    return petition


# --- First-ask reception (首问接待) ------------------------------------------------------------------------


@transaction.atomic
def reception_record(
    *,
    user,
    centre: ServiceCentre,
    question: str,
    answer: str = "",
    referred_to: str = "",
    resident_name: str = "",
    resident_phone: str = "",
    service: ServiceItem | None = None,
    asked_at: dt.datetime | None = None,
) -> Reception:
    """Record who asked what at a centre's window, who answered, and where the resident was sent."""
    if not permissions.may_in(user, permissions.RECORD_RECEPTION, centre.region_path):
        raise DomainError(_("Choose a service centre you work at."), field="centre")
    if not (question or "").strip():
        raise DomainError(_("Write what the resident asked."), field="question")
    if not (answer or "").strip() and not (referred_to or "").strip():
        raise DomainError(_("Write the answer, or where the resident was referred."), field="answer")
    if service is not None and service.centre_id != centre.pk:
        raise DomainError(_("Choose a service of this centre."), field="service")
    phone = ""
    if (resident_phone or "").strip():
        try:
            phone = normalize_cn_mobile(resident_phone)
        except ValidationError:
            raise DomainError(_("Enter a valid mobile number."), field="resident_phone") from None
    asked_at = asked_at or timezone.now()
    if asked_at > timezone.now() + dt.timedelta(minutes=5):
        raise DomainError(_("A reception cannot be in the future."), field="asked_at")
    reception = Reception(
        centre=centre,
        region_path=centre.region_path,
        asked_at=asked_at,
        resident_name=(resident_name or "").strip(),
        resident_phone=phone,
        question=question.strip(),
        service=service,
        answer=(answer or "").strip(),
        referred_to=(referred_to or "").strip(),
        answered_by=user,
    )
    with pghistory.context(action="reception_record"):
        reception.save(force_insert=True)
    return reception


@transaction.atomic
def reception_reveal(*, user, reception: Reception, ip_address: str | None = None) -> dict:
    """Unmask the resident's name and phone of a reception for this viewer, and log that they did."""
    if not permissions.may_in(user, permissions.REVEAL_RECEPTION, reception.region_path):
        raise DomainError(_("You may not see this resident's details."))
    reveal_logged(user=user, obj=reception, fields=("resident_name", "resident_phone"), ip_address=ip_address)
    return {"name": reception.resident_name, "phone": reception.resident_phone}


# --- Household register and visits ---------------------------------------------------------------------


@transaction.atomic
def household_reveal(*, user, household: Household, ip_address: str | None = None) -> dict:
    """Unmask the head of household's name and phone for this viewer, and log that they did."""
    if not permissions.may_in(user, permissions.REVEAL_HOUSEHOLD, household.region_path):
        raise DomainError(_("You may not see this household's details."))
    reveal_logged(user=user, obj=household, fields=("head_name", "phone"), ip_address=ip_address)
    return {"name": household.head_name, "phone": household.phone}


MAX_MEMBERS = 30


@transaction.atomic
def household_update(
    *,
    user,
    household: Household,
    building: str,
    room: str,
    unit: str = "",
    members: int = 1,
    grid: Region | None = None,
    head_name: str = "",
    phone: str = "",
) -> Household:
    """Edit a household of the register. An empty name or phone keeps the one on record (editing
    needs no reveal); the grid must lie in the household's compound; moving it to another grid
    moves its visits' scoping with it."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if not permissions.may_in(user, permissions.EDIT_HOUSEHOLD, household.region_path):
        raise DomainError(_("You may not edit this household."))
    building, unit, room = (building or "").strip(), (unit or "").strip(), (room or "").strip()
    if not building or not room:
        raise DomainError(_("The building and the room are required."), field="room")
    if not (1 <= int(members) <= MAX_MEMBERS):
        raise DomainError(_("The number of members must be between 1 and 30."), field="members")
    if grid is not None and (grid.parent_id != household.compound_id or grid.level != 5):
        raise DomainError(_("Choose a grid of this compound."), field="grid")
    if (phone or "").strip():
        try:
            household.phone = normalize_cn_mobile(phone)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="phone") from None
    if (head_name or "").strip():
        household.head_name = head_name.strip()[:64]
    household.building, household.unit, household.room, household.members = building, unit, room, int(members)
    household.grid = grid
    household.region_path = grid.path if grid is not None else household.compound.path
    fields = ["building", "unit", "room", "members", "grid", "region_path", "head_name", "phone"]
    try:
        with transaction.atomic(), pghistory.context(action="household_update"):
            household.save(update_fields=fields)
    except IntegrityError:
        raise DomainError(_("Another household of this compound has this address."), field="room") from None
    Visit.objects.filter(household=household).exclude(region_path=household.region_path).update(
        region_path=household.region_path
    )
    return household


@transaction.atomic
def station_member_save(
    *,
    user,
    station: Station,
    member: StationMember | None = None,
    name: str = "",
    post: str = "",
    joined_on: dt.date | None = None,
) -> StationMember:
    """Add a member to a station, or edit one (an empty name keeps the one on record: editing needs
    no reveal)."""
    if not permissions.may_in(user, permissions.EDIT_STATION, station.region_path):
        raise DomainError(_("You may not edit this station's members."))
    if member is None:
        if not (name or "").strip():
            raise DomainError(_("Write the member's name."), field="name")
        member = StationMember(station=station)
    elif member.station_id != station.pk:
        raise DomainError(_("This member belongs to another station."))
    if (name or "").strip():
        member.name = name.strip()[:64]
    member.post = (post or "").strip()[:32]
    if joined_on is not None:
        if joined_on > timezone.localdate():
            raise DomainError(_("The joining date cannot be in the future."), field="joined_on")
        member.joined_on = joined_on
    with pghistory.context(action="station_member_save"):
        member.save()
    return member


@transaction.atomic
def station_member_remove(*, user, member: StationMember) -> None:
    """Remove a member from a station (the audit trail keeps the record)."""
    if not permissions.may_in(user, permissions.EDIT_STATION, member.station.region_path):
        raise DomainError(_("You may not edit this station's members."))
    with pghistory.context(action="station_member_remove"):
        member.delete()


@transaction.atomic
def station_members_reveal(*, user, station: Station, ip_address: str | None = None) -> dict[int, str]:
    """Unmask the names of a station's members for this viewer: one logged reveal per member."""
    if not permissions.may_in(user, permissions.REVEAL_STATION, station.region_path):
        raise DomainError(_("You may not see the members' names."))
    members = list(StationMember.objects.filter(station=station).order_by("id"))
    now = timezone.now()
    PersonalDataReveal.objects.bulk_create(
        PersonalDataReveal(
            user=user,
            object_type="gridwork.stationmember",
            object_id=m.pk,
            fields="name",
            at=now,
            ip_address=ip_address,
        )
        for m in members
    )
    return {m.pk: m.name for m in members}


MAX_IMPORT_ROWS = 20_000
# The columns of a register file, in English or as the communities' spreadsheets name them.
HOUSEHOLD_COLUMNS = {
    "building": "building",
    "幢": "building",
    "楼栋": "building",
    "unit": "unit",
    "单元": "unit",
    "room": "room",
    "室": "room",
    "房号": "room",
    "head_name": "head_name",
    "户主": "head_name",
    "phone": "phone",
    "电话": "phone",
    "members": "members",
    "人数": "members",
    "grid": "grid",
    "网格编码": "grid",
}


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _household_row(number: int, raw: dict, grids: dict[str, Region]) -> tuple[dict | None, str | None]:
    row = {HOUSEHOLD_COLUMNS.get((key or "").strip().lower(), ""): (value or "").strip() for key, value in raw.items()}
    if not row.get("building") or not row.get("room"):
        return None, _("line %(n)s: the building and the room are required") % {"n": number}
    phone = ""
    if row.get("phone"):
        try:
            phone = normalize_cn_mobile(row["phone"])
        except ValidationError:
            return None, _("line %(n)s: %(phone)s is not a mobile number") % {"n": number, "phone": row["phone"][:20]}
    members = row.get("members") or "1"
    if not members.isdigit() or not (1 <= int(members) <= 30):
        return None, _("line %(n)s: the number of members must be between 1 and 30") % {"n": number}
    grid = None
    if row.get("grid"):
        grid = grids.get(row["grid"])
        if grid is None:
            return None, _("line %(n)s: grid %(grid)s is not in this compound") % {
                "n": number,
                "grid": row["grid"][:20],
            }
    if any(len(row.get(name, "")) > 16 for name in ("building", "unit", "room")) or len(row.get("head_name", "")) > 64:
        return None, _("line %(n)s: a value is too long") % {"n": number}
    return {
        "building": row["building"],
        "unit": row.get("unit", ""),
        "room": row["room"],
        "head_name": row.get("head_name", ""),
        "phone": phone,
        "members": int(members),
        "grid": grid,
    }, None


@transaction.atomic
def household_import(*, user, compound: Region, text: str) -> ImportResult:
    """Load a compound's household register from CSV text: new addresses are added, known ones
    updated (building + unit + room is the key). Any bad line refuses the whole file, naming the
    lines, so nothing is half-imported."""
    if compound.level != 4 or not permissions.may_in(user, permissions.IMPORT_HOUSEHOLDS, compound.path):
        raise DomainError(_("Choose a compound you work in."), field="compound")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = {HOUSEHOLD_COLUMNS.get((name or "").strip().lower()) for name in reader.fieldnames or ()}
    if not {"building", "room"} <= headers:
        raise DomainError(_("The file needs the columns building and room (幢, 室)."), field="file")
    grids = {g.code: g for g in Region.objects.filter(parent=compound, level=5)}
    rows, errors = {}, []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            raise DomainError(_("At most %(n)s households per file.") % {"n": MAX_IMPORT_ROWS}, field="file")
        row, error = _household_row(number, raw, grids)
        if error:
            errors.append(str(error))
        else:
            rows[(row["building"], row["unit"], row["room"])] = row
    if errors:
        shown = "; ".join(errors[:5]) + ("…" if len(errors) > 5 else "")
        raise DomainError(_("Nothing was imported: %(errors)s") % {"errors": shown}, field="file")
    if not rows:
        raise DomainError(_("The file has no households."), field="file")
    known = set(Household.objects.filter(compound=compound).values_list("building", "unit", "room"))
    households = [
        Household(compound=compound, region_path=(row["grid"] or compound).path, **row) for row in rows.values()
    ]
    with pghistory.context(action="household_import"):
        Household.objects.bulk_create(
            households,
            update_conflicts=True,
            unique_fields=["compound", "building", "unit", "room"],
            update_fields=["grid", "region_path", "head_name", "phone", "members"],
        )
    updated = sum(1 for key in rows if key in known)
    return ImportResult(created=len(rows) - updated, updated=updated)


@transaction.atomic
def visit_record(
    *, user, household: Household, visited_on: dt.date, outcome: str, purpose: str = "routine", follow_up: bool = False
) -> Visit:
    """Record a household visit (入户走访) by someone who may visit there."""
    if not permissions.may_in(user, permissions.RECORD_VISIT, household.region_path):
        raise DomainError(_("This household is outside the area you work in."), field="household")
    if visited_on > timezone.localdate():
        raise DomainError(_("A visit cannot be in the future."), field="visited_on")
    if purpose not in Visit.Purpose.values:
        raise DomainError(_("Choose a purpose."), field="purpose")
    if not (outcome or "").strip():
        raise DomainError(_("Write what came of the visit."), field="outcome")
    visit = Visit(
        household=household,
        region_path=household.region_path,
        visited_on=visited_on,
        visitor=user,
        purpose=purpose,
        outcome=outcome.strip(),
        follow_up=follow_up,
    )
    with pghistory.context(action="visit_record"):
        visit.save(force_insert=True)
    return visit


# --- A visit's or a resolution's follow-up in one step: a petition or a micro-wish ------------------------

VISIT_EVENT = "gridwork.visit"


def _visit_for_update(visit: Visit) -> Visit:
    return (
        Visit.objects.select_for_update(of=("self",))
        .select_related("household__compound__parent", "household__grid")
        .get(pk=visit.pk)
    )


@transaction.atomic
def visit_file(*, user, visit: Visit, category: Category, title: str = "", address: str = "") -> Petition:
    """File a visit's follow-up as a petition in one step: channel "grid", the household's grid (or
    compound) as its place, the household's address, the head of household as the reporter (as the
    register has them), the visit's outcome as title and description; the visit links to it and the
    petition's timeline names the visit."""
    visit = _visit_for_update(visit)
    household = visit.household
    if not (
        permissions.may_in(user, permissions.RECORD_VISIT, visit.region_path)
        and permissions.may_in(user, petition_permissions.FILE, visit.region_path)
    ):
        raise DomainError(_("You may not file petitions for this household."))
    if not visit.follow_up:
        raise DomainError(_("Only a visit that needs a follow-up becomes a petition or a micro-wish."))
    if visit.petition_id:
        raise DomainError(_("This visit's follow-up is already a petition."))
    text = visit.outcome
    petition, _token = petition_services.petition_file(
        channel=Channel.GRID,
        category=category,
        region=household.grid or household.compound,
        title=(title or text).strip()[:TITLE_LENGTH],
        description=text,
        address=address or f"{household.compound.name}{household.address}",
        reporter_name=household.head_name,
        reporter_phone=household.phone,
        filed_by=user,
    )
    visit.petition = petition
    with pghistory.context(action="visit_file"):
        visit.save(update_fields=["petition"])
    petition_services.petition_log(
        petition=petition,
        name=VISIT_EVENT,
        params={"date": visit.visited_on.isoformat(), "place": household.compound.name, "household": household.pk},
        actor=user,
    )
    return petition


def _wish_region(region: Region) -> Region:
    """A micro-wish is recorded at a community or below (as on the volunteers' own form, where a grid
    leader picks their grid): the people who collected it keep seeing it."""
    if region.level < 3:
        raise DomainError(_("A micro-wish belongs to a community: record it from a community's meeting."))
    return region


def _wish_submit(*, user, region: Region, source: str, title: str, pseudonym: str, story: str, name: str, phone: str):
    if not permissions.may_in(user, volunteer_permissions.WISH_COLLECT, region.path):
        raise DomainError(_("You may not collect micro-wishes here."))
    title, pseudonym, name = (title or "").strip(), (pseudonym or "").strip(), (name or "").strip()
    if not title:
        raise DomainError(_("Write the wish."), field="title")
    if not pseudonym:
        raise DomainError(_("Give the pseudonym shown on the wall."), field="pseudonym")
    if not name:
        raise DomainError(_("Write the resident's name."), field="resident_name")
    if name in pseudonym:
        raise DomainError(_("The pseudonym must not contain the resident's real name."), field="pseudonym")
    try:
        phone = normalize_cn_mobile(phone) if (phone or "").strip() else ""
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="resident_phone") from None
    return volunteer_services.wish_submit(
        user=user,
        title=title[:80],
        region=region,
        pseudonym=pseudonym,
        resident_name=name,
        resident_phone=phone,
        story=story or "",
        source=source,
    )


@transaction.atomic
def visit_wish(
    *,
    user,
    visit: Visit,
    title: str,
    pseudonym: str,
    story: str = "",
    resident_name: str = "",
    resident_phone: str = "",
) -> Wish:
    """Turn a visit's follow-up into a micro-wish (source "household visit") of the household's grid
    (or compound), through the volunteers' own ``wish_submit``: it then waits for the community's
    verification like any wish. The resident defaults to the head of household of the register."""
    visit = _visit_for_update(visit)
    household = visit.household
    if not permissions.may_in(user, permissions.RECORD_VISIT, visit.region_path):
        raise DomainError(_("This household is outside the area you work in."))
    if not visit.follow_up:
        raise DomainError(_("Only a visit that needs a follow-up becomes a petition or a micro-wish."))
    if visit.wish_id:
        raise DomainError(_("This visit's follow-up is already a micro-wish."))
    wish = _wish_submit(
        user=user,
        region=_wish_region(household.grid or household.compound),
        source=Wish.Source.VISIT,
        title=title,
        pseudonym=pseudonym,
        story=story,
        name=resident_name or household.head_name,
        phone=resident_phone or household.phone,
    )
    visit.wish = wish
    with pghistory.context(action="visit_wish"):
        visit.save(update_fields=["wish"])
    return wish


@transaction.atomic
def resolution_wish(
    *,
    user,
    resolution: Resolution,
    title: str,
    pseudonym: str,
    resident_name: str,
    story: str = "",
    resident_phone: str = "",
) -> Wish:
    """Turn a meeting's resolution into a micro-wish (source "residents' meeting") of the meeting's
    community, through the volunteers' ``wish_submit``; the resolution links to it."""
    resolution = (
        Resolution.objects.select_for_update(of=("self",)).select_related("meeting__region").get(pk=resolution.pk)
    )
    meeting = resolution.meeting
    if not permissions.may_in(user, permissions.FILE_FROM, meeting.region_path):
        raise DomainError(_("You may not collect micro-wishes here."))
    if resolution.wish_id:
        raise DomainError(_("This resolution is already a micro-wish."))
    wish = _wish_submit(
        user=user,
        region=_wish_region(meeting.region),
        source=Wish.Source.MEETING,
        title=title or resolution.text,
        pseudonym=pseudonym,
        story=story or resolution.text,
        name=resident_name,
        phone=resident_phone,
    )
    resolution.wish = wish
    with pghistory.context(action="resolution_wish"):
        resolution.save(update_fields=["wish"])
    return wish


# --- Reference data edited by admins ---------------------------------------------------------------------


@transaction.atomic
def centre_save(*, centre: ServiceCentre) -> ServiceCentre:
    """Save a service centre as the admin edits it: its scoping path follows its community."""
    if centre.region.level != 3:
        raise DomainError(_("A service centre belongs to a community."), field="region")
    centre.region_path = centre.region.path
    with pghistory.context(action="centre_save"):
        centre.save()
    return centre


# --- Self-governance stations ------------------------------------------------------------------------------


@transaction.atomic
def station_activity_record(
    *, user, station: Station, date: dt.date, title: str, participants: int = 0
) -> StationActivity:
    if not permissions.may_in(user, permissions.RECORD_STATION, station.region_path):
        raise DomainError(_("You may not record activities of this station."))
    if date > timezone.localdate():
        raise DomainError(_("Record an activity once it has taken place."), field="date")
    if not (title or "").strip():
        raise DomainError(_("Say what the activity was."), field="title")
    if not (0 <= participants <= MAX_PARTICIPANTS):
        raise DomainError(_("Enter a plausible number of participants."), field="participants")
    with pghistory.context(action="station_activity_record"):
        return StationActivity.objects.create(
            station=station, date=date, title=title.strip(), participants=participants, recorded_by=user
        )


@transaction.atomic
def station_file(
    *, user, station: Station, category: Category, title: str, description: str, address: str = ""
) -> Petition:
    """A station member files a petition for the station: channel "self_governance", the station's
    compound as its place, the member as reporter."""
    if not station.is_active or not StationMember.objects.filter(station=station, user=user).exists():
        raise DomainError(_("Only the station's members file petitions for it."))
    petition, _token = petition_services.petition_file(
        channel=Channel.SELF_GOVERNANCE,
        category=category,
        region=station.compound,
        title=title,
        description=description,
        address=address,
        reporter=user,
        filed_by=user,
        language=getattr(user, "language", "") or "",
    )
    return petition


@transaction.atomic
def station_save(*, station: Station) -> Station:
    """Save a station as the admin edits it: its scoping path follows its compound."""
    if station.compound.level != 4:
        raise DomainError(_("A station belongs to a compound."), field="compound")
    station.region_path = station.compound.path
    with pghistory.context(action="station_save"):
        station.save()
    return station
