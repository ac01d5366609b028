"""``core.inserts.insert_together``: a row and the rows hanging on it, in one statement."""

from __future__ import annotations

import datetime as dt

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
