"""``core.inserts.insert_together``: a row and the rows hanging on it, in one statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import inserts, outbox
from core.models import OutboxMessage
from petitions.models import Channel, Deadline, Event, Petition
from tests.petitions import factories

pytestmark = pytest.mark.django_db


def _petition(tree, code: str = "ZHTEST2345") -> Petition:
    now = timezone.now()
    return Petition(
        tracking_code=code,
        channel=Channel.WEB,
        category=factories.category("road"),
        region=tree.grid_a,
        region_path=tree.grid_a.path,
        title="路灯不亮",
        description="3号楼前的路灯坏了。",
        created_at=now,
        updated_at=now,
    )


def _deadline(petition: Petition, kind: str = Deadline.Kind.TRIAGE) -> Deadline:
    due = timezone.now() + dt.timedelta(days=1)
    return Deadline(petition=petition, kind=kind, due_at=due, warn_at=due - dt.timedelta(hours=2))


def test_every_row_is_written_with_its_id_in_one_statement(tree):
    petition = _petition(tree)
    deadlines = [_deadline(petition), _deadline(petition, Deadline.Kind.ACCEPT)]
    events = [Event(petition=petition, kind=Event.Kind.NOTE, action=f"n{i}") for i in range(3)]
    notice = outbox.message("petition", {"petition": inserts.NEW_ID, "event": "filed"})
    with CaptureQueriesContext(connection) as queries:
        inserts.insert_together(petition, deadlines, events, [notice])
    assert len(queries) == 1
    stored = Petition.objects.get(tracking_code="ZHTEST2345")
    assert petition.pk == stored.pk and not petition._state.adding and stored.return_count == 0
    assert [d.pk for d in deadlines] == list(stored.deadlines.order_by("id").values_list("id", flat=True))
    assert [(e.pk, e.action) for e in events] == list(stored.timeline.order_by("id").values_list("id", "action"))
    assert all(row.petition_id == petition.pk and row.petition is petition for row in [*deadlines, *events])
    assert OutboxMessage.objects.get(pk=notice.pk).payload == {"petition": petition.pk, "event": "filed"}


def test_a_failing_row_writes_nothing(tree):
    """Two running deadlines of one kind break a constraint: the item is not written either, and
    the rows are left as before (no id; the foreign key to the item unset again)."""
    petition = _petition(tree)
    deadlines = [_deadline(petition), _deadline(petition)]
    with pytest.raises(IntegrityError), transaction.atomic():
        inserts.insert_together(petition, deadlines)
    assert not Petition.objects.filter(tracking_code="ZHTEST2345").exists()
    assert not Deadline.objects.exists()
    assert petition.pk is None and all(d.pk is None and d.petition_id is None for d in deadlines)
    assert deadlines[0].petition is petition


def test_the_row_alone_and_a_group_of_mixed_models(tree):
    petition = _petition(tree)
    inserts.insert_together(petition)
    assert Petition.objects.filter(pk=petition.pk, tracking_code="ZHTEST2345").exists()
    other = _petition(tree, "ZHTEST2346")
    with pytest.raises(TypeError):
        inserts.insert_together(other, [_deadline(other), Event(petition=other, kind=Event.Kind.NOTE)])


def _columns(model, pk, *skip: str) -> dict:
    return {k: v for k, v in model.objects.filter(pk=pk).values().get().items() if k not in {"id", *skip}}


def test_the_rows_written_are_those_save_writes(tree, django_user_model):
    """Every column of rows written here equals the same rows written by ``save()``: defaults,
    decimals, times, foreign keys, JSON and text as the fields prepare them."""
    filer = django_user_model.objects.create(username="filer")
    at = timezone.now()

    def family(code: str) -> tuple[Petition, Deadline, Event, OutboxMessage]:
        petition = _petition(tree, code)
        petition.latitude, petition.longitude = Decimal("29.95"), Decimal("121.7123")
        petition.reporter_name, petition.reporter_phone, petition.phone_last4 = "王芳", "13912345678", "5678"
        petition.filed_by, petition.next_due_at, petition.address = filer, at, "3号楼前 'quoted' %s"
        petition.created_at = petition.updated_at = at
        deadline = Deadline(petition=petition, kind=Deadline.Kind.TRIAGE, due_at=at, warn_at=at - dt.timedelta(hours=2))
        event = Event(petition=petition, kind=Event.Kind.NOTE, actor=filer, text="记录", created_at=at)
        event.data = {"due_at": at.isoformat(), "list": [1, "二", None], "nested": {"a": True}}
        notice = OutboxMessage(topic="petition", payload={"event": "filed", "n": [1, 2]}, created_at=at)
        return petition, deadline, event, notice

    ours = family("ZHTEST0001")
    inserts.insert_together(ours[0], [ours[1]], [ours[2]], [ours[3]])
    theirs = family("ZHTEST0002")
    for obj in theirs:
        obj.save(force_insert=True)
    assert _columns(Petition, ours[0].pk, "tracking_code") == _columns(Petition, theirs[0].pk, "tracking_code")
    for model, a, b in zip((Deadline, Event, OutboxMessage), ours[1:], theirs[1:], strict=True):
        assert a.pk and b.pk and a.pk != b.pk
        assert _columns(model, a.pk, "petition_id") == _columns(model, b.pk, "petition_id"), model
    assert ours[1].petition_id == ours[0].pk and theirs[1].petition_id == theirs[0].pk
