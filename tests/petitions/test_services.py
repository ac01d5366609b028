"""Every allowed and every forbidden move of the petition state machine, through the services."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from petitions import services
from petitions.models import TRANSITIONS, Deadline, Evaluation, Event, Klass, Status
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def staff(tree):
    return grid_factories.user(role="street_staff", region=tree.street_a)


def _to(status, *, tree, staff):
    """A major item brought to ``status`` through the services."""
    p = factories.petition(region=tree.grid_a)
    if status == Status.NEW:
        return p
    if status == Status.MERGED:
        other = factories.petition(region=tree.grid_a, phone="13900000009")
        return services.petition_merge(user=staff, petition=p, into=other)
    p = services.petition_triage(user=staff, petition=p, klass=Klass.MAJOR, unit=tree.unit_a)
    if status == Status.ASSIGNED:
        return p
    p = services.petition_accept(user=staff, petition=p)
    p = services.petition_meeting(user=staff, petition=p, decision="联席会议决定维修")
    if status == Status.ACCEPTED:
        return p
    if status == Status.WAITING:
        return services.petition_request_info(user=staff, petition=p, question="照片？")
    p = services.petition_reply(user=staff, petition=p, reply="已维修")
    if status == Status.REPLIED:
        return p
    services.petition_evaluate(petition=p, rating="satisfied", source="callback", by=staff)
    p.refresh_from_db()
    assert p.status == Status.CLOSED
    return p


def _do(action, p, *, tree, staff):
    calls = {
        "triage": lambda: services.petition_triage(user=staff, petition=p, klass=Klass.GENERAL, unit=tree.unit_a),
        "self_handle": lambda: services.petition_self_handle(user=staff, petition=p, klass=Klass.ROUTINE),
        "merge": lambda: services.petition_merge(
            user=staff, petition=p, into=factories.petition(region=tree.grid_a, phone="13900000008")
        ),
        "accept": lambda: services.petition_accept(user=staff, petition=p),
        "return": lambda: services.petition_return(user=staff, petition=p, reason="不属于本单位"),
        "progress": lambda: services.petition_progress(user=staff, petition=p, text="已到现场"),
        "meeting": lambda: services.petition_meeting(user=staff, petition=p, decision="决定"),
        "request_info": lambda: services.petition_request_info(user=staff, petition=p, question="地址？"),
        "resume": lambda: services.petition_resume(user=staff, petition=p, answer="3号楼"),
        "reply": lambda: services.petition_reply(user=staff, petition=p, reply="已处理"),
        "close_unfixed": lambda: services.petition_close_unfixed(
            user=staff, petition=p, outcome="outside_remit", reply="属于物业合同纠纷，请向法院起诉"
        ),
        "evaluate_ok": lambda: services.petition_evaluate(petition=p, rating="basic", source="resident"),
        "evaluate_rework": lambda: services.petition_evaluate(petition=p, rating="unsatisfied", source="resident"),
        "close": lambda: services.petition_close(user=staff, petition=p),
        "reopen": lambda: services.petition_reopen(user=staff, petition=p, reason="又坏了"),
        "note": lambda: services.petition_note(user=staff, petition=p, text="内部备注"),
    }
    return calls[action]()


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_move(action, status, tree, staff):
    p = _to(status, tree=tree, staff=staff)
    allowed, target = TRANSITIONS[action]
    if status in allowed:
        _do(action, p, tree=tree, staff=staff)
        p.refresh_from_db()
        assert p.status == (target or status)
    else:
        events_before = Event.objects.filter(petition=p).count()
        with pytest.raises(DomainError, match="that action is not possible now|not waiting for an evaluation"):
            _do(action, p, tree=tree, staff=staff)
        p.refresh_from_db()
        assert p.status == status
        assert Event.objects.filter(petition=p).count() == events_before


def test_major_item_needs_its_meeting_before_the_reply(tree, staff):
    p = _to(Status.ASSIGNED, tree=tree, staff=staff)
    p = services.petition_accept(user=staff, petition=p)
    with pytest.raises(DomainError, match="joint meeting"):
        services.petition_reply(user=staff, petition=p, reply="x")


def test_meeting_only_for_major(tree, staff):
    p = factories.petition(region=tree.grid_a)
    p = services.petition_self_handle(user=staff, petition=p, klass=Klass.GENERAL)
    with pytest.raises(DomainError, match="major"):
        services.petition_meeting(user=staff, petition=p, decision="x")


def test_on_the_spot_is_replied_at_once_and_counts_as_first_time_resolution(tree):
    p = factories.petition(region=tree.grid_a, solved_on_spot=True, on_spot_note="现场更换了灯泡")
    assert p.status == Status.REPLIED and p.solved_on_spot and p.klass == Klass.ROUTINE
    assert not p.deadlines.filter(met_at__isnull=True).exists()


def test_anonymous_keeps_no_personal_data(tree):
    p = factories.petition(region=tree.grid_a, anonymous=True)
    assert (p.reporter_name, p.reporter_phone, p.phone_last4) == ("", "", "")


def test_bad_phone_is_refused(tree):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        factories.petition(region=tree.grid_a, phone="12345")


def test_unsatisfied_counts_rework_and_restarts_the_resolution_clock(tree, staff):
    p = _to(Status.REPLIED, tree=tree, staff=staff)
    services.petition_evaluate(petition=p, rating=Evaluation.Rating.UNSATISFIED, comment="没修好", source="resident")
    p.refresh_from_db()
    assert p.status == Status.ACCEPTED and p.rework_count == 1
    assert p.deadlines.filter(kind=Deadline.Kind.RESOLVE, met_at__isnull=True).count() == 1
    with pytest.raises(DomainError):
        services.petition_evaluate(petition=p, rating="satisfied", source="resident")


def test_resident_evaluates_each_reply_once(tree, staff):
    p = _to(Status.REPLIED, tree=tree, staff=staff)
    services.petition_evaluate(petition=p, rating="satisfied", source="resident")
    p.refresh_from_db()
    with pytest.raises(DomainError):
        services.petition_evaluate(petition=p, rating="satisfied", source="resident")


def test_return_sends_it_back_to_triage_and_clears_the_unit(tree, staff):
    p = _to(Status.ASSIGNED, tree=tree, staff=staff)
    p = services.petition_return(user=staff, petition=p, reason="派错了")
    assert p.status == Status.NEW and p.unit is None
    running = set(p.deadlines.filter(met_at__isnull=True).values_list("kind", flat=True))
    assert running == {Deadline.Kind.TRIAGE, Deadline.Kind.RESOLVE, Deadline.Kind.MEETING}


def test_claim_is_exclusive(tree, staff):
    other = grid_factories.user(role="street_staff", region=tree.street_a)
    p = factories.petition(region=tree.grid_a)
    services.petition_claim(user=staff, petition=p)
    with pytest.raises(DomainError, match="Someone else"):
        services.petition_claim(user=other, petition=p)


def test_claim_next_skips_claimed_items(tree, staff):
    from petitions.models import Petition
    from petitions.permissions import scope

    first = factories.petition(region=tree.grid_a)
    second = factories.petition(region=tree.grid_a, phone="13900000002")
    qs = scope(Petition.objects.all(), staff, "petitions.triage")
    assert services.petition_claim_next(user=staff, queryset=qs).pk == first.pk
    other = grid_factories.user(role="street_staff", region=tree.street_a)
    assert services.petition_claim_next(user=other, queryset=qs).pk == second.pk


def test_reopen_window(tree, staff, settings):
    import datetime as dt

    from django.utils import timezone

    p = _to(Status.CLOSED, tree=tree, staff=staff)
    type(p).objects.filter(pk=p.pk).update(
        closed_at=timezone.now() - dt.timedelta(days=settings.PETITION_REOPEN_DAYS + 1)
    )
    with pytest.raises(DomainError, match="within"):
        services.petition_reopen(user=staff, petition=p, reason="x")
