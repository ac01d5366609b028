"""What the system says on a timeline is stored as parameters and told in each reader's language
(petitions.timeline); entries written as finished text before are migrated (0016_event_params)."""

from __future__ import annotations

import html
import importlib

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from grids.roles import Role
from petitions import services, timeline
from petitions.models import Event, Klass
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db


def _detail(user, petition, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return html.unescape(client.get(reverse("petitions:detail", kwargs={"pk": petition.pk})).content.decode())


def test_the_same_entries_read_in_english_to_one_reader_and_in_chinese_to_the_next(tree):
    staff = grid_factories.user(username="zhang", role=Role.STREET_STAFF, region=tree.street_a)
    target = factories.petition(region=tree.grid_a, phone="13912340001")
    other = factories.petition(region=tree.grid_a, phone="13912340002")
    services.petition_merge(user=staff, petition=other, into=target)

    english = _detail(staff, target, "en")
    assert "Filed through Public web form." in english
    assert f"{other.tracking_code} was merged into this item." in english
    chinese = _detail(staff, target, "zh-hans")
    assert "通过网上表单提交。" in chinese and "Filed through" not in chinese
    assert f"{other.tracking_code} was merged" not in chinese and other.tracking_code in chinese
    # Nothing the system wrote is stored as words.
    assert (
        not Event.objects.filter(action__in=["file", "merge", "attach", "warn", "escalate"]).exclude(text="").exists()
    )


def test_entries_written_as_text_before_are_migrated_to_parameters(tree):
    """The migration's statements, run over rows shaped as the old code wrote them."""
    staff = grid_factories.user(username="zhang", role=Role.STREET_STAFF, region=tree.street_a)
    target = factories.petition(region=tree.grid_a, phone="13912340001", channel="phone")
    other = factories.petition(region=tree.grid_a, phone="13912340002")
    services.petition_merge(user=staff, petition=other, into=target)
    routed = services.petition_triage(user=staff, petition=target, klass=Klass.GENERAL, unit=tree.unit_a)
    Event.objects.filter(action="file").update(text="通过电话提交。", data={})
    Event.objects.filter(action="merge", kind=Event.Kind.TRANSITION).update(
        text=f"已并入{target.tracking_code}。", data={"into": target.pk}
    )
    Event.objects.filter(action="merge", kind=Event.Kind.NOTE).update(
        text=f"{other.tracking_code}已并入本事项。", data={}
    )
    warn = Event.objects.create(
        petition=routed,
        kind=Event.Kind.WARNING,
        action="warn",
        text="受理将于2026-12-08 09:00到期。",
        data={"deadline": "accept", "due_at": "2026-12-08T09:00:00+08:00"},
    )
    migration = importlib.import_module("petitions.migrations.0016_event_params")
    with connection.cursor() as cursor:
        for statement in migration.FORWARD:
            cursor.execute(statement)

    assert Event.objects.get(petition=target, action="file").data == {"channel": "phone"}
    assert Event.objects.get(petition=other, action="merge").data == {"into": target.pk, "code": target.tracking_code}
    assert Event.objects.get(petition=target, action="merge").data == {"merged": other.tracking_code}
    assert not Event.objects.exclude(action__in=["triage"]).exclude(text="").exists()
    with translation.override("en"):
        assert timeline.system_lines(Event.objects.get(pk=warn.pk)) == ["Acceptance is due at 2026-12-08 09:00."]
        assert timeline.system_lines(Event.objects.get(petition=target, action="file")) == ["Filed through Phone."]
