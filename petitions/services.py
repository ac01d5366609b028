"""Every write to a petition: intake, triage, handling, evaluation, closing.

Each action locks the petition row, checks the move against ``TRANSITIONS``, updates deadlines,
writes the timeline event and the audit context, and queues notifications in the outbox (published
after commit). A forbidden move raises ``DomainError``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Sequence

import pghistory
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.validators import normalize_cn_mobile
from core import outbox, versions
from core.errors import DomainError
from core.services import reveal_logged
from core.worktime import working_time_between
from grids.models import HandlingUnit, Region, ancestor_paths
from petitions import deadlines, extensions, permissions
from petitions.models import (
    OPEN_STATUSES,
    TRANSITIONS,
    UNFIXED_OUTCOMES,
    Category,
    Channel,
    Deadline,
    Evaluation,
    Event,
    Klass,
    Level,
    Outcome,
    Petition,
    Status,
)

_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
_CODE_ATTEMPTS = 5  # tracking codes drawn for one filing before a collision is given up as an error


def _tracking_code() -> str:
    return "ZH" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


_SIGNER_SALT = "petitions.evaluation-link"


def evaluation_token(petition: Petition) -> str:
    """The private link token for evaluating ``petition`` (signed, so nothing secret is stored)."""
    return signing.Signer(salt=_SIGNER_SALT).sign(petition.tracking_code).split(":", 1)[1]


def petition_by_evaluation_token(code: str, token: str) -> Petition | None:
    try:
        signing.Signer(salt=_SIGNER_SALT).unsign(f"{code}:{token}")
    except signing.BadSignature:
        return None
    return Petition.objects.filter(tracking_code=code).first()


def work_minutes(start: dt.datetime, end: dt.datetime) -> int:
    """Whole working minutes (Chinese calendar, office hours) from ``start`` to ``end``."""
    return round(working_time_between(start, end).total_seconds() / 60)


def normalize_text(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip().lower()


def _level_of(region: Region) -> int:
    return Level.STREET if region.level <= 2 else Level.COMMUNITY


def _event(petition: Petition, kind: str, **fields) -> Event:
    event = _new_event(petition, kind, **fields)
    event.save(force_insert=True)
    return event


def _new_event(
    petition: Petition,
    kind: str,
    *,
    actor=None,
    action: str = "",
    text: str = "",
    public: bool = False,
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
) -> Event:
    """A timeline entry, not saved yet (``_event`` saves it; a filing writes its entries together)."""
    return Event(
        petition=petition,
        kind=kind,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        text=text,
        public=public,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
    )


def _notify(petition: Petition, event: str, **extra) -> None:
    """Queue a notification about ``petition`` (``petitions.notifications`` reads the payload)."""
    outbox.enqueue("petition", {"petition": petition.pk, "event": event, **extra})


def _locked(petition: Petition | int) -> Petition:
    pk = petition.pk if isinstance(petition, Petition) else petition
    return Petition.objects.select_for_update().get(pk=pk)


def _move(
    petition: Petition, action: str, *, actor, text: str = "", public: bool = True, data: dict | None = None
) -> tuple[Petition, str]:
    """Lock, check the transition, set the new status. Returns the locked row and the old status."""
    allowed, target = TRANSITIONS[action]
    row = _locked(petition)
    if row.status not in allowed:
        raise DomainError(
            _("This item is “%(status)s”; that action is not possible now.") % {"status": row.get_status_display()}
        )
    old = row.status
    now = timezone.now()
    if target is not None:
        row.status = target
    row.updated_at = now
    _event(
        row,
        Event.Kind.TRANSITION if target and target != old else Event.Kind.NOTE,
        actor=actor,
        action=action,
        text=text,
        public=public,
        from_status=old,
        to_status=row.status,
        data=data,
    )
    return row, old


def _save(row: Petition, *fields: str) -> None:
    row.next_due_at = deadlines.next_due(row)
    with pghistory.context(action="petition_change"):
        row.save(update_fields=sorted({"status", "updated_at", "next_due_at", *fields}))


# --- Collect -----------------------------------------------------------------------------------------


def petition_file(
    *,
    channel: str,
    category: Category,
    region: Region,
    title: str,
    description: str,
    address: str = "",
    latitude=None,
    longitude=None,
    reporter=None,
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    filed_by=None,
    solved_on_spot: bool = False,
    on_spot_note: str = "",
    attach_to: Petition | None = None,
    language: str = "",
) -> tuple[Petition, str]:
    """File a petition from any channel, in one transaction: the item, its first deadline, its
    timeline and its notification. Returns it and its private evaluation-link token.

    ``language``: the resident's, when they file themselves (their texts are written in it); staff
    filing for someone leave it blank (the portal's language)."""
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    if not category.is_active:
        raise DomainError(_("This category is no longer in use."), field="category")
    if not (title or "").strip() or not (description or "").strip():
        raise DomainError(_("Describe the problem in a title and a few sentences."), field="description")
    phone = normalize_cn_mobile(reporter_phone) if reporter_phone and not anonymous else ""
    if not anonymous and reporter is not None:
        reporter_name = reporter_name or reporter.full_name
        phone = phone or (reporter.phone or "")
    if anonymous:
        reporter_name, phone = "", ""
    if solved_on_spot and not (on_spot_note or "").strip():
        raise DomainError(_("Say briefly how it was solved on the spot."), field="on_spot_note")
    now = timezone.now()
    # A tracking code already taken fails the INSERT: that attempt's savepoint is rolled back and the
    # filing is made again with a new code; the caller's transaction, if any, stays usable.
    for attempt in range(1, _CODE_ATTEMPTS + 1):
        petition = Petition(
            tracking_code=_tracking_code(),
            channel=channel,
            category=category,
            region=region,
            region_path=region.path,
            address=address.strip(),
            latitude=latitude,
            longitude=longitude,
            title=title.strip()[:120],
            description=description.strip(),
            search_text=normalize_text(f"{title} {description}"),
            anonymous=anonymous,
            reporter=reporter if getattr(reporter, "pk", None) else None,
            reporter_name=reporter_name.strip(),
            reporter_phone=phone,
            phone_last4=phone[-4:],
            filed_by=filed_by if getattr(filed_by, "pk", None) else None,
            language=language or getattr(reporter, "language", "") or "",
            level=_level_of(region),
            created_at=now,
            updated_at=now,
        )
        try:
            with transaction.atomic(), pghistory.context(action="petition_file"):
                if attach_to is not None:
                    _file_attached(petition, filed_by=filed_by, attach_to=attach_to)
                elif solved_on_spot:
                    _file_solved(petition, now=now, filed_by=filed_by, on_spot_note=on_spot_note)
                else:
                    _file_to_triage(petition, now=now, filed_by=filed_by)
        except IntegrityError:
            if attempt < _CODE_ATTEMPTS and Petition.objects.filter(tracking_code=petition.tracking_code).exists():
                continue
            raise
        return petition, evaluation_token(petition)
    raise AssertionError("unreachable")


def _filed(petition: Petition, filed_by, *, to_status: str = Status.NEW) -> Event:
    return _new_event(
        petition,
        Event.Kind.TRANSITION,
        actor=filed_by,
        action="file",
        public=True,
        to_status=to_status,
        data={"channel": petition.channel},  # "Filed through …" in the reader's language (petitions.timeline)
    )


def _file_to_triage(petition: Petition, *, now: dt.datetime, filed_by) -> None:
    """A new item waiting for triage, with its triage deadline (its only running one, so its soonest
    due time is known before the item is written)."""
    triage = deadlines.plan(Deadline.Kind.TRIAGE, now, hours=deadlines.TRIAGE_HOURS)
    petition.next_due_at = triage.due_at
    petition.save(force_insert=True)
    _filed(petition, filed_by).save(force_insert=True)
    deadlines.begin(petition, triage, now)
    _notify(petition, "filed")


def _file_attached(petition: Petition, *, filed_by, attach_to: Petition) -> None:
    """Another report of a problem already filed: merged into that item at once."""
    target = _locked(attach_to)
    if target.status == Status.MERGED:
        target = _locked(target.merged_into_id)
    petition.status, petition.merged_into = Status.MERGED, target
    petition.save(force_insert=True)
    attached = _new_event(
        target,
        Event.Kind.NOTE,
        actor=filed_by,
        action="attach",
        public=False,
        data={"code": petition.tracking_code},
    )
    Event.objects.bulk_create([_filed(petition, filed_by, to_status=Status.MERGED), attached])


def _file_solved(petition: Petition, *, now: dt.datetime, filed_by, on_spot_note: str) -> None:
    """Solved on the spot (现场解决): replied at once, counted as resolved the first time."""
    petition.status, petition.klass, petition.solved_on_spot = Status.REPLIED, Klass.ROUTINE, True
    petition.reply, petition.replied_at, petition.outcome = on_spot_note.strip(), now, Outcome.FIXED
    petition.work_minutes_to_reply = 0
    petition.save(force_insert=True)
    solved = _new_event(
        petition,
        Event.Kind.TRANSITION,
        actor=filed_by,
        action="solved_on_spot",
        public=True,
        from_status=Status.NEW,
        to_status=Status.REPLIED,
        text=petition.reply,
    )
    Event.objects.bulk_create([_filed(petition, filed_by), solved])  # the timeline's two steps, in order
    _notify(petition, "replied")


# --- Triage ------------------------------------------------------------------------------------------


@transaction.atomic
def petition_claim(*, user, petition: Petition) -> Petition:
    """Take an item to triage; two people cannot claim the same one (the row is skipped if locked)."""
    row = Petition.objects.select_for_update(skip_locked=True).filter(pk=petition.pk).first()
    if row is None or (row.claimed_by_id and row.claimed_by_id != user.pk):
        raise DomainError(_("Someone else is working on this item."))
    if row.status != Status.NEW:
        raise DomainError(_("Only items awaiting triage can be claimed."))
    row.claimed_by = user
    row.save(update_fields=["claimed_by"])
    return row


@transaction.atomic
def petition_claim_next(*, user, queryset) -> Petition | None:
    """Claim the oldest unclaimed item of ``queryset`` (already scoped), skipping locked rows."""
    row = (
        queryset.filter(status=Status.NEW, claimed_by__isnull=True)
        .order_by("id")
        .select_for_update(skip_locked=True, of=("self",))
        .first()
    )
    if row is None:
        return None
    row.claimed_by = user
    row.save(update_fields=["claimed_by"])
    return row


def _start_handling(row: Petition, now: dt.datetime, *, accepting: bool) -> None:
    policy = deadlines.policy_for(row.klass, row.category_id)
    deadlines.stop(row, [Deadline.Kind.TRIAGE], now)
    deadlines.start_by_policy(row, Deadline.Kind.UPDATE if accepting else Deadline.Kind.ACCEPT, now, policy)
    if row.klass == Klass.MAJOR and not Deadline.objects.filter(petition=row, kind=Deadline.Kind.MEETING).exists():
        deadlines.start_by_policy(row, Deadline.Kind.MEETING, now, policy)
    if not Deadline.objects.filter(petition=row, kind=Deadline.Kind.RESOLVE, met_at__isnull=True).exists():
        deadlines.start_by_policy(row, Deadline.Kind.RESOLVE, now, policy)


def unit_serves(unit: HandlingUnit, petition: Petition) -> bool:
    """A unit serves the regions it covers and everything below them."""
    return unit.regions.filter(path__in=ancestor_paths(petition.region_path)).exists()


@transaction.atomic
def petition_triage(
    *, user, petition: Petition, klass: str, unit: HandlingUnit, co_units: Sequence[HandlingUnit] = (), note: str = ""
) -> Petition:
    """Classify and route to a handling unit (with co-handlers for 协同办理)."""
    if klass not in Klass.values:
        raise DomainError(_("Choose routine, general or major."), field="klass")
    if unit is None or not unit.is_active:
        raise DomainError(_("Choose an active handling unit."), field="unit")
    if not unit_serves(unit, petition):
        raise DomainError(_("This unit does not serve the item's region."), field="unit")
    row, _old = _move(
        petition,
        "triage",
        actor=user,
        text=note,
        public=True,
        data={"unit": unit.pk, "klass": klass, "co_units": [u.pk for u in co_units]},
    )
    now = row.updated_at
    row.klass, row.unit, row.claimed_by = klass, unit, None
    _start_handling(row, now, accepting=False)
    _save(row, "klass", "unit", "claimed_by", "resolve_by")
    row.co_units.set([u for u in co_units if u.pk != unit.pk])
    _notify(row, "routed")
    return row


@transaction.atomic
def petition_self_handle(*, user, petition: Petition, klass: str, note: str = "") -> Petition:
    """The community keeps the item and handles it itself (小事不出社区)."""
    if klass not in Klass.values:
        raise DomainError(_("Choose routine, general or major."), field="klass")
    row, _old = _move(petition, "self_handle", actor=user, text=note, public=True, data={"klass": klass})
    row.klass, row.unit, row.claimed_by = klass, None, None
    _start_handling(row, row.updated_at, accepting=True)
    _save(row, "klass", "unit", "claimed_by", "resolve_by")
    return row


@transaction.atomic
def petition_merge(*, user, petition: Petition, into: Petition) -> Petition:
    """并单: fold a duplicate into another open item; its reporters follow the surviving one.

    The target must be an item the user may triage, as the item itself: seeing it is not enough
    (the same rule for the page, the bulk form and the API).
    """
    if into.pk == petition.pk:
        raise DomainError(_("An item cannot be merged into itself."), field="into")
    if not permissions.may_act(user, into, permissions.TRIAGE):
        raise DomainError(_("No item with this tracking code is in your scope."), field="into")
    target = _locked(into)
    if target.status in (Status.MERGED, Status.CLOSED):
        raise DomainError(_("Merge into an item that is still open."), field="into")
    row, _old = _move(
        petition,
        "merge",
        actor=user,
        public=True,
        data={"into": target.pk, "code": target.tracking_code},
    )
    row.merged_into = target
    deadlines.stop_all(row, row.updated_at)
    _save(row, "merged_into")
    _event(
        target,
        Event.Kind.NOTE,
        actor=user,
        action="merge",
        public=False,
        data={"merged": row.tracking_code},
    )
    return row


# --- Handle ------------------------------------------------------------------------------------------


@transaction.atomic
def petition_accept(*, user, petition: Petition) -> Petition:
    row, _old = _move(petition, "accept", actor=user, public=True)
    _start_handling(row, row.updated_at, accepting=True)
    deadlines.stop(row, [Deadline.Kind.ACCEPT], row.updated_at)
    _save(row, "resolve_by")
    return row


@transaction.atomic
def petition_progress(*, user, petition: Petition, text: str, public: bool = True) -> Petition:
    if not (text or "").strip():
        raise DomainError(_("Write what has been done."), field="text")
    row, _old = _move(petition, "progress", actor=user, text=text.strip(), public=public)
    deadlines.start_by_policy(row, Deadline.Kind.UPDATE, row.updated_at)
    _save(row)
    return row


@transaction.atomic
def petition_meeting(*, user, petition: Petition, decision: str, participants: str = "") -> Petition:
    """联席会议: record the joint meeting of a major item and its decision."""
    if not (decision or "").strip():
        raise DomainError(_("Record the meeting's decision."), field="decision")
    row, _old = _move(
        petition, "meeting", actor=user, text=decision.strip(), public=True, data={"participants": participants.strip()}
    )
    if row.klass != Klass.MAJOR:
        raise DomainError(_("Joint meetings are for major items."))
    Event.objects.filter(pk=row.timeline.latest("id").pk).update(kind=Event.Kind.MEETING)
    deadlines.stop(row, [Deadline.Kind.MEETING], row.updated_at)
    _save(row)
    return row


@transaction.atomic
def petition_request_info(*, user, petition: Petition, question: str) -> Petition:
    """Ask the resident for information; every deadline pauses until they answer."""
    if not (question or "").strip():
        raise DomainError(_("Write what you need from the resident."), field="question")
    row, _old = _move(petition, "request_info", actor=user, text=question.strip(), public=True)
    row.paused_at = row.updated_at
    deadlines.pause(row, row.updated_at)
    _save(row, "paused_at")
    _notify(row, "info_requested")
    return row


@transaction.atomic
def petition_resume(*, user, petition: Petition, answer: str = "") -> Petition:
    row, _old = _move(petition, "resume", actor=user, text=(answer or "").strip(), public=True)
    deadlines.resume(row, row.updated_at)
    row.paused_at = None
    _save(row, "paused_at", "resolve_by")
    return row


@transaction.atomic
def petition_return(*, user, petition: Petition, reason: str) -> Petition:
    """退回: the unit says the item was wrongly routed; it goes back to triage."""
    if not (reason or "").strip():
        raise DomainError(_("Say why the item is returned."), field="reason")
    row, _old = _move(
        petition,
        "return",
        actor=user,
        text=reason.strip(),
        public=False,
        data={"unit": row_unit} if (row_unit := petition.unit_id) else {},
    )
    now = row.updated_at
    deadlines.stop(row, [Deadline.Kind.ACCEPT, Deadline.Kind.UPDATE], now)
    deadlines.start(row, Deadline.Kind.TRIAGE, now, hours=deadlines.TRIAGE_HOURS)
    row.unit = None
    row.return_count += 1
    _save(row, "unit", "return_count")
    row.co_units.clear()
    _notify(row, "returned")
    return row


@transaction.atomic
def petition_reply(*, user, petition: Petition, reply: str) -> Petition:
    """反馈: answer the resident; the item waits for their evaluation."""
    if not (reply or "").strip():
        raise DomainError(_("Write the reply to the resident."), field="reply")
    row, _old = _move(petition, "reply", actor=user, text=reply.strip(), public=True)
    if row.klass == Klass.MAJOR and not row.timeline.filter(kind=Event.Kind.MEETING).exists():
        raise DomainError(_("A major item needs its joint meeting recorded before the reply."))
    return _answered(row, reply.strip(), Outcome.FIXED)


def _answered(row: Petition, reply: str, outcome: str) -> Petition:
    row.reply, row.replied_at, row.outcome = reply, row.updated_at, outcome
    row.work_minutes_to_reply = work_minutes(row.created_at, row.replied_at)
    deadlines.stop_all(row, row.updated_at)
    _save(row, "reply", "replied_at", "outcome", "work_minutes_to_reply")
    _notify(row, "replied")
    return row


@transaction.atomic
def petition_close_unfixed(*, user, petition: Petition, outcome: str, reply: str) -> Petition:
    """结案 without a fix: outside our remit, not possible under current policy, withdrawn by the
    resident, or a duplicate. The explanation is the reply the resident reads; they may still
    evaluate how they were treated. Counted apart from fixed items in every figure. Before an item
    is accepted only the triage staff decide this; a unit that got it wrongly returns it."""
    if outcome not in UNFIXED_OUTCOMES:
        raise DomainError(_("Choose why the item is closed without a fix."), field="outcome")
    if not (reply or "").strip():
        raise DomainError(_("Explain to the resident why it cannot be fixed."), field="reply")
    if petition.status in (Status.NEW, Status.ASSIGNED) and not permissions.may_act(user, petition, permissions.TRIAGE):
        raise DomainError(_("Before an item is accepted, only the triage staff can close it without a fix."))
    row, _old = _move(petition, "close_unfixed", actor=user, text=reply.strip(), public=True, data={"outcome": outcome})
    return _answered(row, reply.strip(), outcome)


# --- Evaluate and close ------------------------------------------------------------------------------


@transaction.atomic
def petition_evaluate(*, petition: Petition, rating: str, comment: str = "", source: str, by=None) -> Evaluation:
    """满意 / 基本满意 close the item; 不满意 sends it back for rework (返工), counted.

    A third-party evaluation is recorded on a closed item without changing it.
    """
    if rating not in Evaluation.Rating.values:
        raise DomainError(_("Choose satisfied, basically satisfied or unsatisfied."), field="rating")
    row = _locked(petition)
    if source == Evaluation.Source.THIRD_PARTY:
        if row.status not in (Status.REPLIED, Status.CLOSED):
            raise DomainError(_("Only replied or closed items can be evaluated."))
        evaluation = Evaluation.objects.create(
            petition=row, source=source, rating=rating, comment=comment.strip(), round=row.rework_count, by=by
        )
        _event(
            row,
            Event.Kind.EVALUATION,
            actor=by,
            action="third_party",
            text=comment.strip(),
            data={"rating": rating, "source": source},
        )
        return evaluation
    if row.status != Status.REPLIED:
        raise DomainError(_("This item is not waiting for an evaluation."))
    if source == Evaluation.Source.RESIDENT and row.evaluations.filter(source=source, round=row.rework_count).exists():
        raise DomainError(_("This reply has already been evaluated."))
    evaluation = Evaluation.objects.create(
        petition=row,
        source=source,
        rating=rating,
        comment=comment.strip(),
        round=row.rework_count,
        by=by if getattr(by, "pk", None) else None,
    )
    _event(
        row,
        Event.Kind.EVALUATION,
        actor=by,
        action=source,
        public=True,
        text=comment.strip(),
        data={"rating": rating, "source": source},
    )
    if rating == Evaluation.Rating.UNSATISFIED:
        _rework(row, by=by, reason=comment)
    else:
        row, _old = _move(row, "evaluate_ok", actor=by, public=True)
        row.closed_at = row.updated_at
        _save(row, "closed_at")
    return evaluation


def _rework(row: Petition, *, by, reason: str) -> None:
    row, _old = _move(row, "evaluate_rework", actor=by, public=True, text=reason.strip())
    row.rework_count += 1
    row.closed_at, row.outcome = None, ""  # open again: the next answer records its own outcome
    deadlines.start_by_policy(row, Deadline.Kind.RESOLVE, row.updated_at)
    _save(row, "rework_count", "closed_at", "outcome", "resolve_by")
    _notify(row, "rework")


@transaction.atomic
def petition_close(*, user, petition: Petition, note: str = "") -> Petition:
    """Close a replied item nobody evaluated; it stays "not evaluated" in every report."""
    row, _old = _move(petition, "close", actor=user, text=note, public=True)
    row.closed_at = row.updated_at
    _save(row, "closed_at")
    return row


@transaction.atomic
def petition_reopen(*, user, petition: Petition, reason: str) -> Petition:
    if not (reason or "").strip():
        raise DomainError(_("Say why the item is reopened."), field="reason")
    current = _locked(petition)
    if current.closed_at and timezone.now() - current.closed_at > dt.timedelta(days=settings.PETITION_REOPEN_DAYS):
        raise DomainError(
            _("Items can be reopened within %(days)d days of closing.") % {"days": settings.PETITION_REOPEN_DAYS}
        )
    row, _old = _move(current, "reopen", actor=user, text=reason.strip(), public=True)
    row.closed_at, row.outcome = None, ""
    deadlines.start_by_policy(row, Deadline.Kind.RESOLVE, row.updated_at)
    _save(row, "closed_at", "outcome", "resolve_by")
    return row


@transaction.atomic
def petition_note(*, user, petition: Petition, text: str, public: bool = False) -> Petition:
    if not (text or "").strip():
        raise DomainError(_("The note is empty."), field="text")
    row, _old = _move(petition, "note", actor=user, text=text.strip(), public=public)
    _save(row)
    return row


def petition_log(
    *, petition: Petition, name: str, params: dict | None = None, actor=None, public: bool = False
) -> Event:
    """A timeline entry another app writes (``petitions.extensions.register_event``): a volunteer
    opportunity published from the item, its outcome, the meeting that took it up. Stored as the
    entry's name and parameters; the status does not change. Runs in the caller's transaction."""
    if name not in extensions.EVENTS:
        raise ValueError(f"no timeline event {name!r} is registered")
    return _event(petition, Event.Kind.LINKED, actor=actor, action=name, public=public, data=params or {})


# --- Bulk ------------------------------------------------------------------------------------------


def petition_bulk(
    *,
    user,
    petitions: dict[int, Petition],
    ids: Sequence[int],
    route: bool,
    klass: str = "",
    unit: HandlingUnit | None = None,
    reply: str = "",
) -> tuple[int, list[str]]:
    """Route or reply to many items, each in its own transaction; refusals are reported per item.

    ``petitions`` are the selected items already fetched through the user's scope (by id).
    """
    needed = permissions.TRIAGE if route else permissions.HANDLE
    done, failures = 0, []
    for pk in ids:
        petition = petitions.get(pk)
        if petition is None:
            failures.append(_("Item #%(id)s: not found in your scope.") % {"id": pk})
            continue
        try:
            if not permissions.may_act(user, petition, needed):
                raise DomainError(_("You may not do this with this item."))
            if route:
                petition_triage(user=user, petition=petition, klass=klass, unit=unit)
            else:
                petition_reply(user=user, petition=petition, reply=reply)
        except DomainError as error:
            failures.append(_("%(code)s: %(reason)s") % {"code": petition.tracking_code, "reason": error.message})
        else:
            done += 1
    return done, failures


# --- Categories ----------------------------------------------------------------------------------------


@transaction.atomic
def category_save(*, category: Category) -> Category:
    """Save a new or edited category; the forms offering categories draw their lists again."""
    with pghistory.context(action="category_save"):
        category.save()
    versions.bump(versions.CHOICES)
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    with pghistory.context(action="category_delete"):
        category.delete()
    versions.bump(versions.CHOICES)


# --- Personal data -----------------------------------------------------------------------------------


@transaction.atomic
def petition_reveal_personal(*, user, petition: Petition, ip_address: str | None = None) -> dict:
    """Unmask the resident's name, phone and address for this viewer, and log that they did."""
    reveal_logged(user=user, obj=petition, fields=("reporter_name", "reporter_phone", "address"), ip_address=ip_address)
    return {"name": petition.reporter_name, "phone": petition.reporter_phone, "address": petition.address}


def open_statuses() -> Iterable[str]:
    return OPEN_STATUSES
