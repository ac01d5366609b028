"""Every write of the volunteers app: registration, reveals, opportunities and sign-ups.

Each action is atomic, checks its rules and raises ``DomainError`` with a translated message when
they refuse; the database has the last word where two people may race (the ID hash is unique, the
sign-up time ranges of one volunteer may not overlap).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.notify import notify_users
from core.services import reveal_logged
from grids.models import Region
from volunteers import identity
from volunteers.models import (
    OPPORTUNITY_TRANSITIONS,
    WISH_TRANSITIONS,
    Availability,
    Certificate,
    HoursStatus,
    InsurancePolicy,
    Membership,
    Opportunity,
    OpportunityStatus,
    Organisation,
    ServiceHours,
    ServiceType,
    Signup,
    SignupStatus,
    Volunteer,
    Wish,
    WishStatus,
)

ADULT_AGE = 18
_NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class Window:
    """A weekly availability window as typed: weekday 0 (Monday) … 6, and two times of day."""

    weekday: int
    start: dt.time
    end: dt.time


def _volunteer_number() -> str:
    return "V" + "".join(secrets.choice("0123456789") for _ in range(9))


def _check_windows(windows: Iterable[Window]) -> list[Window]:
    windows = list(windows)
    for window in windows:
        if window.end <= window.start:
            raise DomainError(_("An availability window must end after it starts."), field="availability")
    return windows


@transaction.atomic
def volunteer_register(
    *,
    actor,
    account=None,
    real_name: str,
    phone: str,
    national_id: str,
    region: Region,
    service_types: Sequence[ServiceType],
    skills: Sequence[str] = (),
    availability: Iterable[Window] = (),
    consent: bool,
    guardian_name: str = "",
    guardian_phone: str = "",
    guardian_consent: bool = False,
    insured_until: dt.date | None = None,
) -> Volunteer:
    """Register a volunteer (the resident themself, with ``account``, or a coordinator for them)."""
    try:
        number = identity.validate(national_id)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="national_id") from None
    if not consent:
        raise DomainError(_("Registration needs consent to the use of the data given here."), field="consent")
    windows = _check_windows(availability)
    born = identity.birth_date(number)
    now = timezone.now()
    minor = identity.age_on(born, timezone.localdate(now)) < ADULT_AGE
    if minor and not (guardian_name.strip() and guardian_phone.strip() and guardian_consent):
        raise DomainError(
            _("A volunteer under 18 needs a guardian's name, phone and recorded consent."), field="guardian_name"
        )
    if not service_types:
        raise DomainError(_("Choose at least one service type."), field="service_types")
    digest = identity.keyed_hash(number)
    if Volunteer.objects.filter(id_hash=digest).exists():
        raise DomainError(_("This person is already registered as a volunteer."), field="national_id")
    if account is not None and Volunteer.objects.filter(user=account).exists():
        raise DomainError(_("This account is already registered as a volunteer."))
    volunteer = Volunteer(
        user=account,
        real_name=real_name.strip(),
        phone=phone.strip(),
        id_encrypted=identity.encrypt(number),
        id_hash=digest,
        birth_date=born,
        region=region,
        skills=sorted({s.strip().lower() for s in skills if s.strip()}),
        consent_at=now,
        consent_version=settings.VOLUNTEER_CONSENT_VERSION,
        guardian_name=guardian_name.strip() if minor else "",
        guardian_phone=guardian_phone.strip() if minor else "",
        guardian_consent_at=now if minor else None,
        insured_until=insured_until,
        registered_by=actor,
    )
    with pghistory.context(action="volunteer_register"):
        for attempt in range(_NUMBER_ATTEMPTS):
            volunteer.number = _volunteer_number()
            try:
                with transaction.atomic():
                    volunteer.save(force_insert=True)
                break
            except IntegrityError as exc:
                # Someone registered the same person a moment ago, or (rarely) the number was taken.
                if Volunteer.objects.filter(id_hash=digest).exists():
                    raise DomainError(
                        _("This person is already registered as a volunteer."), field="national_id"
                    ) from exc
                if account is not None and Volunteer.objects.filter(user=account).exists():
                    raise DomainError(_("This account is already registered as a volunteer.")) from exc
                if attempt == _NUMBER_ATTEMPTS - 1:
                    raise
        volunteer.service_types.set(service_types)
        Availability.objects.bulk_create(
            Availability(volunteer=volunteer, weekday=w.weekday, start=w.start, end=w.end) for w in windows
        )
    return volunteer


@transaction.atomic
def volunteer_set_availability(*, volunteer: Volunteer, availability: Iterable[Window]) -> None:
    """Replace the volunteer's weekly windows."""
    windows = _check_windows(availability)
    with pghistory.context(action="volunteer_set_availability"):
        Availability.objects.filter(volunteer=volunteer).delete()
        Availability.objects.bulk_create(
            Availability(volunteer=volunteer, weekday=w.weekday, start=w.start, end=w.end) for w in windows
        )


@transaction.atomic
def volunteer_update(
    *,
    volunteer: Volunteer,
    phone: str,
    service_types: Sequence[ServiceType],
    skills: Sequence[str],
    insured_until: dt.date | None,
    availability: Iterable[Window],
) -> Volunteer:
    """The volunteer changes their own phone, services, skills, insurance date and weekly windows."""
    if not service_types:
        raise DomainError(_("Choose at least one service type."), field="service_types")
    windows = _check_windows(availability)
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    locked.phone = phone
    locked.skills = sorted({s.strip().lower() for s in skills if s.strip()})
    locked.insured_until = insured_until
    with pghistory.context(action="volunteer_update"):
        locked.save(update_fields=["phone", "skills", "insured_until"])
        locked.service_types.set(service_types)
        Availability.objects.filter(volunteer=locked).delete()
        Availability.objects.bulk_create(
            Availability(volunteer=locked, weekday=w.weekday, start=w.start, end=w.end) for w in windows
        )
    return locked


@transaction.atomic
def volunteer_reveal(*, user, volunteer: Volunteer, ip_address: str | None = None) -> dict:
    """Unmask the volunteer's name, phone and ID number for this viewer, and log that they did."""
    reveal_logged(user=user, obj=volunteer, fields=("real_name", "phone", "national_id"), ip_address=ip_address)
    return {
        "name": volunteer.real_name,
        "phone": volunteer.phone,
        "national_id": identity.decrypt(volunteer.id_encrypted),
    }


# --- Opportunities -----------------------------------------------------------------------------------


@transaction.atomic
def opportunity_create(
    *,
    user,
    title: str,
    region: Region,
    service_type: ServiceType,
    start: dt.datetime,
    end: dt.datetime,
    places: int,
    description: str = "",
    address: str = "",
    skills: Sequence[str] = (),
    insurance_required: bool = False,
    organisation=None,
    petition=None,
    wish: Wish | None = None,
) -> Opportunity:
    """Publish an opportunity; from a petition, the petition's timeline shows it; from a micro-wish
    (verified, not yet fulfilled), the wish's page lists it and its outcome."""
    if end <= start:
        raise DomainError(_("The opportunity must end after it starts."), field="end")
    if start <= timezone.now():
        raise DomainError(_("The opportunity must start in the future."), field="start")
    if places < 1:
        raise DomainError(_("An opportunity needs at least one place."), field="places")
    if wish is not None and wish.status not in (WishStatus.PUBLISHED, WishStatus.CLAIMED):
        raise DomainError(_("Only a verified wish not yet fulfilled can get an opportunity."))
    opportunity = Opportunity(
        title=title.strip(),
        description=description.strip(),
        region=region,
        region_path=region.path,
        address=address.strip(),
        service_type=service_type,
        skills=sorted({s.strip().lower() for s in skills if s.strip()}),
        during=DateTimeTZRange(start, end, "[)"),
        places=places,
        insurance_required=insurance_required,
        organisation=organisation,
        petition=petition,
        wish=wish,
        created_by=user,
    )
    with pghistory.context(action="opportunity_create"):
        opportunity.save(force_insert=True)
        if petition is not None:
            from petitions.services import petition_log

            petition_log(
                petition=petition,
                name="volunteers.opportunity",
                params={"title": opportunity.title, "places": places, "start": start.isoformat()},
                actor=user,
                public=True,
            )
    return opportunity


@transaction.atomic
def opportunity_set_status(*, user, opportunity: Opportunity, status: str) -> Opportunity:
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if status not in OPPORTUNITY_TRANSITIONS.get(locked.status, set()):
        raise DomainError(_("This opportunity cannot move to that status."))
    locked.status = status
    with pghistory.context(action="opportunity_set_status"):
        locked.save(update_fields=["status"])
        if status == OpportunityStatus.CANCELLED:
            Signup.objects.filter(opportunity=locked, status=SignupStatus.ACTIVE).update(status=SignupStatus.CANCELLED)
        if locked.petition_id:
            from petitions.services import petition_log

            petition_log(
                petition=locked.petition,
                name="volunteers.outcome",
                params={"title": locked.title, "status": status, "signed_up": active_count(locked)},
                actor=user,
                public=True,
            )
    return locked


def active_count(opportunity: Opportunity) -> int:
    return Signup.objects.filter(opportunity=opportunity, status=SignupStatus.ACTIVE).count()


@transaction.atomic
def signup_create(*, volunteer: Volunteer, opportunity: Opportunity, invited_by=None) -> Signup:
    """Take a place. The opportunity row is locked, so two sign-ups for its last place queue up and
    the second finds it full; two overlapping opportunities are different rows, and there the
    exclusion constraint refuses the second sign-up of the same volunteer. The volunteer's row is
    locked too (always after the opportunity's): two concurrent inserts checking the same exclusion
    constraint can otherwise wait on each other until PostgreSQL breaks the deadlock."""
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).values_list("pk", flat=True).first()
    if locked.status != OpportunityStatus.OPEN:
        raise DomainError(_("This opportunity is not open for sign-up."))
    if locked.during.lower <= timezone.now():
        raise DomainError(_("This opportunity has already started."))
    if locked.insurance_required and (
        volunteer.insured_until is None or volunteer.insured_until < timezone.localdate(locked.during.upper)
    ):
        raise DomainError(_("This opportunity needs accident insurance valid on its day; yours is missing or expired."))
    taken = Signup.objects.filter(opportunity=locked, status=SignupStatus.ACTIVE)
    if taken.filter(volunteer=volunteer).exists():
        raise DomainError(_("You have already signed up for this opportunity."))
    if taken.count() >= locked.places:
        raise DomainError(_("This opportunity is full: every place is taken."))
    signup = Signup(opportunity=locked, volunteer=volunteer, during=locked.during, invited_by=invited_by)
    try:
        with transaction.atomic(), pghistory.context(action="signup_create"):
            signup.save(force_insert=True)
    except IntegrityError as exc:
        raise DomainError(_("You are already signed up for another opportunity at an overlapping time.")) from exc
    return signup


@transaction.atomic
def signup_cancel(*, volunteer: Volunteer, signup: Signup) -> Signup:
    locked = Signup.objects.select_for_update().get(pk=signup.pk, volunteer=volunteer)
    if locked.status != SignupStatus.ACTIVE:
        raise DomainError(_("This sign-up is already cancelled."))
    locked.status = SignupStatus.CANCELLED
    with pghistory.context(action="signup_cancel"):
        locked.save(update_fields=["status"])
    return locked


@transaction.atomic
def signup_invite(*, user, volunteer: Volunteer, opportunity: Opportunity) -> Signup:
    """A coordinator books a suggested volunteer (by phone or in person, with their agreement)."""
    from volunteers import matching

    if not matching.eligible(opportunity).filter(pk=volunteer.pk).exists():
        raise DomainError(_("This volunteer does not meet the opportunity's requirements or is booked then."))
    return signup_create(volunteer=volunteer, opportunity=opportunity, invited_by=user)


def opportunity_batch_fill(*, user, opportunities: Sequence[Opportunity]) -> list[Signup]:
    """Fill the free places of ``opportunities`` with the assignment of the highest total score.
    Each booking is its own transaction; one refused meanwhile (a volunteer booked elsewhere a moment
    ago) is skipped, the others stand."""
    from volunteers import matching

    slots, people, table = matching.score_table(opportunities)
    booked = []
    for row, column in matching.assign(table):
        try:
            booked.append(signup_create(volunteer=people[column], opportunity=slots[row].opportunity, invited_by=user))
        except DomainError:
            continue
    return booked


# --- Micro-wishes ------------------------------------------------------------------------------------


def _wish_code() -> str:
    return "W" + "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(7))


@transaction.atomic
def wish_submit(
    *,
    user,
    title: str,
    region: Region,
    pseudonym: str,
    resident_name: str,
    resident_phone: str = "",
    story: str = "",
    source: str = Wish.Source.STAFF,
) -> Wish:
    """Record a wish collected from a resident; it waits for the community's verification."""
    wish = Wish(
        title=title.strip(),
        story=story.strip(),
        region=region,
        region_path=region.path,
        pseudonym=pseudonym.strip(),
        resident_name=resident_name.strip(),
        resident_phone=resident_phone.strip(),
        source=source,
        created_by=user,
    )
    with pghistory.context(action="wish_submit"):
        for attempt in range(_NUMBER_ATTEMPTS):
            wish.code = _wish_code()
            try:
                with transaction.atomic():
                    wish.save(force_insert=True)
                break
            except IntegrityError:
                if attempt == _NUMBER_ATTEMPTS - 1:
                    raise
    return wish


def _wish_move(wish: Wish, target: str, *, expect: str, action: str, **changes) -> Wish:
    """Compare-and-set: move ``wish`` from ``expect`` to ``target`` only if it is still there, so of
    two people racing, one moves it and the other is told it moved already."""
    if target not in WISH_TRANSITIONS.get(expect, set()):
        raise ValueError(f"{expect} → {target} is not a wish transition")
    with pghistory.context(action=action):
        moved = Wish.objects.filter(pk=wish.pk, status=expect).update(status=target, **changes)
    if not moved:
        current = Wish.objects.filter(pk=wish.pk).values_list("status", flat=True).first()
        if expect == WishStatus.PUBLISHED and current != WishStatus.PUBLISHED:
            raise DomainError(_("Someone else claimed this wish a moment ago."), field="claimed")
        raise DomainError(_("This wish is no longer at that step."))
    wish.refresh_from_db()
    return wish


@transaction.atomic
def wish_verify(*, user, wish: Wish, accept: bool) -> Wish:
    """筛选认定: publish the wish on the wall, or turn it down."""
    target = WishStatus.PUBLISHED if accept else WishStatus.REJECTED
    return _wish_move(
        wish, target, expect=WishStatus.SUBMITTED, action="wish_verify", verified_by=user, verified_at=timezone.now()
    )


@transaction.atomic
def wish_claim(*, user, wish: Wish, kind: str, label: str) -> Wish:
    """Claim a wish on the wall. One claim wins: the move is a compare-and-set on the status."""
    if kind not in Wish.Claimant.values:
        raise DomainError(_("Choose who claims the wish."), field="kind")
    if not label.strip():
        raise DomainError(_("Say who claims the wish."), field="label")
    if wish.status in (WishStatus.FULFILLED, WishStatus.CONFIRMED):
        raise DomainError(_("This wish has already been fulfilled."))
    return _wish_move(
        wish,
        WishStatus.CLAIMED,
        expect=WishStatus.PUBLISHED,
        action="wish_claim",
        claimed_by=user,
        claimant_kind=kind,
        claimant_label=label.strip()[:100],
        claimed_at=timezone.now(),
    )


@transaction.atomic
def wish_fulfil(*, user, wish: Wish, proof: str, photo=None) -> Wish:
    """The claimant says how the wish was fulfilled (what was given, when), with a photo if they
    have one (a ``petitions.photos.CheckedPhoto``: its copy without metadata and its thumbnail are
    stored once, here; removed again if the wish moved meanwhile)."""
    if wish.claimed_by_id != user.pk:
        raise DomainError(_("Only whoever claimed the wish can mark it fulfilled."))
    if not proof.strip():
        raise DomainError(_("Say how the wish was fulfilled."), field="proof")
    stored = _store_proof(photo) if photo is not None else {}
    try:
        return _wish_move(
            wish,
            WishStatus.FULFILLED,
            expect=WishStatus.CLAIMED,
            action="wish_fulfil",
            proof=proof.strip(),
            fulfilled_at=timezone.now(),
            **stored,
        )
    except DomainError:
        for name in stored.values():
            default_storage.delete(name)
        raise


def _store_proof(photo) -> dict[str, str]:
    month = timezone.localdate().strftime("%Y/%m")
    key = uuid.uuid4().hex
    return {
        "proof_photo": default_storage.save(
            f"wishes/proof/{month}/{key}.{photo.extension}", ContentFile(photo.public_bytes)
        ),
        "proof_thumbnail": default_storage.save(f"wishes/thumbs/{month}/{key}.jpg", ContentFile(photo.thumbnail_bytes)),
    }


@transaction.atomic
def wish_confirm(*, user, wish: Wish) -> Wish:
    """Staff (or the resident, through them) confirm the wish came true."""
    return _wish_move(
        wish,
        WishStatus.CONFIRMED,
        expect=WishStatus.FULFILLED,
        action="wish_confirm",
        confirmed_by=user,
        confirmed_at=timezone.now(),
    )


def wish_release_stale(*, now: dt.datetime | None = None) -> int:
    """Claims older than ``VOLUNTEER_WISH_CLAIM_HOURS`` and not fulfilled go back on the wall: one
    set-based UPDATE, so running it twice (or two at once) releases each claim once."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.VOLUNTEER_WISH_CLAIM_HOURS)
    with transaction.atomic(), pghistory.context(action="wish_release_stale"):
        return Wish.objects.filter(status=WishStatus.CLAIMED, claimed_at__lt=cutoff).update(
            status=WishStatus.PUBLISHED, claimed_by=None, claimant_kind="", claimant_label="", claimed_at=None
        )


# --- Hours ---------------------------------------------------------------------------------------------

CHECK_IN_EARLY = dt.timedelta(hours=1)  # a volunteer may check in this long before the start


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, round((end - start).total_seconds() / 60))


@transaction.atomic
def hours_check_in(*, volunteer: Volunteer, signup: Signup, now: dt.datetime | None = None) -> ServiceHours:
    """Check in on a phone for an opportunity signed up for, from an hour before it starts to its end."""
    now = now or timezone.now()
    if signup.volunteer_id != volunteer.pk or signup.status != SignupStatus.ACTIVE:
        raise DomainError(_("You are not signed up for this opportunity."))
    if not (signup.during.lower - CHECK_IN_EARLY <= now < signup.during.upper):
        raise DomainError(_("Check-in opens an hour before the opportunity starts and closes when it ends."))
    entry = ServiceHours(
        volunteer=volunteer,
        opportunity_id=signup.opportunity_id,
        region_path=signup.opportunity.region_path,
        started_at=max(now, signup.during.lower),
        source=ServiceHours.Source.CHECK_IN,
        entered_by=volunteer.user or volunteer.registered_by,
    )
    try:
        with transaction.atomic(), pghistory.context(action="hours_check_in"):
            entry.save(force_insert=True)
    except IntegrityError as exc:
        raise DomainError(_("You are already checked in: check out first.")) from exc
    return entry


@transaction.atomic
def hours_check_out(*, volunteer: Volunteer, entry: ServiceHours, now: dt.datetime | None = None) -> ServiceHours:
    now = now or timezone.now()
    locked = ServiceHours.objects.select_for_update().get(pk=entry.pk, volunteer=volunteer)
    if locked.status != HoursStatus.OPEN:
        raise DomainError(_("You are not checked in."))
    if now <= locked.started_at:
        raise DomainError(_("Check out after the time you checked in."))
    locked.ended_at, locked.minutes, locked.status = now, _minutes(locked.started_at, now), HoursStatus.PENDING
    with pghistory.context(action="hours_check_out"):
        locked.save(update_fields=["ended_at", "minutes", "status"])
    return locked


@transaction.atomic
def hours_record(
    *,
    user,
    volunteer: Volunteer,
    region: Region,
    start: dt.datetime,
    end: dt.datetime,
    note: str = "",
    opportunity=None,
) -> ServiceHours:
    """A coordinator enters time served (a paper sign-in sheet, an event without phones)."""
    if end <= start:
        raise DomainError(_("The service must end after it starts."), field="end")
    if end > timezone.now():
        raise DomainError(_("Hours are recorded after the service, not before."), field="end")
    entry = ServiceHours(
        volunteer=volunteer,
        opportunity=opportunity,
        region_path=region.path,
        started_at=start,
        ended_at=end,
        minutes=_minutes(start, end),
        status=HoursStatus.PENDING,
        source=ServiceHours.Source.COORDINATOR,
        note=note.strip(),
        entered_by=user,
    )
    with pghistory.context(action="hours_record"):
        entry.save(force_insert=True)
    return entry


def hours_decide(*, user, entries: Sequence[ServiceHours], approve: bool) -> int:
    """Approve or reject pending entries (already fetched in the user's scope) in one UPDATE; an entry
    someone else decided meanwhile is left as it is (compare-and-set on the status)."""
    target = HoursStatus.APPROVED if approve else HoursStatus.REJECTED
    with transaction.atomic(), pghistory.context(action="hours_decide"):
        return ServiceHours.objects.filter(pk__in=[e.pk for e in entries], status=HoursStatus.PENDING).update(
            status=target, decided_by=user, decided_at=timezone.now()
        )


# --- Certificates --------------------------------------------------------------------------------------


def _certificate_number() -> str:
    return f"ZHVC{timezone.localdate():%Y}" + "".join(secrets.choice("0123456789") for _ in range(8))


@transaction.atomic
def certificate_issue(*, user, volunteer: Volunteer, issuer: str) -> Certificate:
    """Issue a certificate of the volunteer's approved hours so far (free; as many as asked for)."""
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    minutes = ServiceHours.objects.filter(volunteer=locked, status=HoursStatus.APPROVED).aggregate(m=Sum("minutes"))
    if not minutes["m"]:
        raise DomainError(_("There are no approved hours to certify yet."))
    kinds = ", ".join(t.name for t in locked.service_types.all())
    certificate = Certificate(
        volunteer=locked,
        volunteer_number=locked.number,
        masked_id=identity.mask(identity.decrypt(locked.id_encrypted)),
        minutes=minutes["m"],
        services=kinds[:300],
        issuer=issuer.strip()[:100] or _("Zhenhai district volunteer service"),
        issued_by=user,
    )
    for attempt in range(_NUMBER_ATTEMPTS):
        certificate.number = _certificate_number()
        try:
            with transaction.atomic():
                certificate.save(force_insert=True)
            break
        except IntegrityError:
            if attempt == _NUMBER_ATTEMPTS - 1:
                raise
    return certificate


# --- Insurance reminders -----------------------------------------------------------------------------

INSURANCE_KIND = "volunteers.insurance"


def insurance_remind(*, today: dt.date | None = None) -> int:
    """Remind volunteers with an account whose accident insurance ends within
    ``VOLUNTEER_INSURANCE_REMIND_DAYS``, once per policy end: the rows are locked (SKIP LOCKED, so a
    second sweep running at once takes none of them) and marked in the same transaction."""

    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.VOLUNTEER_INSURANCE_REMIND_DAYS)
    with transaction.atomic():
        due = list(
            Volunteer.objects.select_for_update(skip_locked=True)
            .filter(user__isnull=False, insured_until__gte=today, insured_until__lte=horizon)
            .filter(Q(insurance_reminded_for__isnull=True) | ~Q(insurance_reminded_for=F("insured_until")))
            .values_list("pk", "user_id", "insured_until")
        )
        for _pk, user_id, until in due:
            notify_users(
                None, [user_id], kind=INSURANCE_KIND, params={"until": until.isoformat()}, url=reverse("volunteers:me")
            )
        with pghistory.context(action="insurance_remind"):
            Volunteer.objects.filter(pk__in=[row[0] for row in due]).update(insurance_reminded_for=F("insured_until"))
    return len(due)


# --- Organisations, studios, members and their insurance ---------------------------------------------

POLICY_KIND = "volunteers.policy"


@transaction.atomic
def organisation_create(*, user, name: str, kind: str, region: Region) -> Organisation:
    """A volunteer organisation or studio of a region in the coordinator's scope (the view checks it)."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the organisation a name."), field="name")
    if kind not in Organisation.Kind.values:
        raise DomainError(_("Choose a kind of organisation."), field="kind")
    if Organisation.objects.filter(name=name, region=region).exists():
        raise DomainError(_("An organisation of this name already exists in this region."), field="name")
    organisation = Organisation(name=name, kind=kind, region=region)
    with pghistory.context(action="organisation_create"):
        organisation.save()
    return organisation


@transaction.atomic
def membership_set(*, user, organisation: Organisation, volunteer: Volunteer, role: str) -> Membership:
    """Add a volunteer to the organisation in ``role``, or change the role of a member."""
    if role not in Membership.Role.values:
        raise DomainError(_("Choose a role."), field="role")
    Organisation.objects.select_for_update().get(pk=organisation.pk)  # one change of its members at a time
    with pghistory.context(action="membership_set"):
        membership, created = Membership.objects.get_or_create(
            organisation=organisation, volunteer=volunteer, defaults={"role": role}
        )
        if not created and membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, user, organisation: Organisation, volunteer: Volunteer) -> None:
    with pghistory.context(action="membership_remove"):
        deleted, _rows = Membership.objects.filter(organisation=organisation, volunteer=volunteer).delete()
    if not deleted:
        raise DomainError(_("This volunteer is not a member."))


@transaction.atomic
def policy_add(
    *,
    user,
    organisation: Organisation,
    insurer: str,
    number: str,
    starts_on: dt.date,
    ends_on: dt.date,
    insured: int = 0,
) -> InsurancePolicy:
    """Record an accident-insurance policy of the organisation (its term must end after it starts)."""
    if ends_on <= starts_on:
        raise DomainError(_("The policy must end after it starts."), field="ends_on")
    if InsurancePolicy.objects.filter(organisation=organisation, number=number.strip()).exists():
        raise DomainError(_("This policy number is already recorded."), field="number")
    policy = InsurancePolicy(
        organisation=organisation,
        insurer=insurer.strip(),
        number=number.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        insured=insured,
        created_by=user,
    )
    with pghistory.context(action="policy_add"):
        policy.save()
    return policy


def _policy_recipients(policy: InsurancePolicy) -> set[int]:
    """The accounts of the organisation's managers and team leaders, and the volunteer coordinators
    whose region holds the organisation's."""
    from grids.models import RoleAssignment, ancestor_paths
    from grids.roles import Role

    people = set(
        Membership.objects.filter(
            organisation_id=policy.organisation_id,
            role__in=[Membership.Role.MANAGER, Membership.Role.LEADER],
            volunteer__user__isnull=False,
        ).values_list("volunteer__user_id", flat=True)
    )
    people |= set(
        RoleAssignment.objects.filter(
            role=Role.VOLUNTEER_COORDINATOR, region__path__in=ancestor_paths(policy.organisation.region.path)
        ).values_list("user_id", flat=True)
    )
    return people


def policy_remind(*, today: dt.date | None = None) -> int:
    """Remind before an organisation's policy ends (within ``VOLUNTEER_INSURANCE_REMIND_DAYS``), once
    per policy end: the rows are taken with SKIP LOCKED and marked in the same transaction, so a second
    run — at once or later — reminds nobody again."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.VOLUNTEER_INSURANCE_REMIND_DAYS)
    with transaction.atomic():
        due = list(
            InsurancePolicy.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organisation__region")
            .filter(ends_on__gte=today, ends_on__lte=horizon)
            .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("ends_on")))
            .order_by("id")
        )
        for policy in due:
            notify_users(
                None,
                _policy_recipients(policy),
                kind=POLICY_KIND,
                params={
                    "organisation": policy.organisation.name,
                    "number": policy.number,
                    "until": policy.ends_on.isoformat(),
                },
                url=reverse("volunteers:organisation", args=[policy.organisation_id]),
            )
        with pghistory.context(action="policy_remind"):
            InsurancePolicy.objects.filter(pk__in=[p.pk for p in due]).update(reminded_for=F("ends_on"))
    return len(due)
