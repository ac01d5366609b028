"""The fast paths of the queue page and the API list draw exactly what the generic ones did.

The queue draws its filter and bulk fields from plain values instead of Django's widget templates,
and the API list writes its rows by hand instead of through DRF's field machinery
(docs/performance.md). These tests hold each fast path equal to the generic one it replaced, on
data with every kind of row, and check the generic machinery really is skipped. Speed itself is
measured by ``make bench``, not here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import Client
from django.test.html import parse_html
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework import serializers as drf_serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from grids.roles import Role
from grids.selectors import unit_list
from petitions import selectors, services
from petitions import serializers as s
from petitions.filters import PetitionFilter
from petitions.forms import BulkForm
from petitions.models import Deadline, Klass, Petition
from petitions.views import queue as queue_views
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db

QUEUE = reverse("petitions:queue")
LIST = reverse("petitions_api:petition_list")


@pytest.fixture
def staff(tree):
    return grid_factories.user(username="street_a_staff", role=Role.STREET_STAFF, region=tree.street_a)


@pytest.fixture
def variety(tree, staff):
    """One item of each shape a row can take."""
    made = {"new": factories.petition(region=tree.grid_a)}
    made["anonymous"] = factories.petition(region=tree.grid_a, anonymous=True, reporter_name="", phone="")
    made["claimed"] = services.petition_claim(user=staff, petition=factories.petition(region=tree.grid_a))
    made["routed"] = services.petition_triage(
        user=staff, petition=factories.petition(region=tree.grid_a, code="water"), klass=Klass.GENERAL, unit=tree.unit_a
    )
    accepted = services.petition_triage(
        user=staff, petition=factories.petition(region=tree.grid_a), klass=Klass.ROUTINE, unit=tree.unit_a
    )
    accepted = services.petition_accept(user=staff, petition=accepted)
    made["waiting"] = services.petition_request_info(user=staff, petition=accepted, question="门牌号是多少？")
    replied = services.petition_triage(
        user=staff, petition=factories.petition(region=tree.grid_a), klass=Klass.GENERAL, unit=tree.unit_a
    )
    replied = services.petition_accept(user=staff, petition=replied)
    made["replied"] = services.petition_reply(user=staff, petition=replied, reply="已修好。")
    # Warned and breached deadlines, and one due at a time whose local date differs from UTC's.
    Deadline.objects.filter(petition=made["routed"], met_at__isnull=True).update(
        warned_at=timezone.now(), breached_at=timezone.now()
    )
    Deadline.objects.filter(petition=made["new"]).update(due_at=dt.datetime(2026, 3, 1, 20, 5, tzinfo=dt.UTC))
    return made


# --- The API list ------------------------------------------------------------------------------------


def _api_request(user, *, language: str) -> Request:
    request = APIRequestFactory().get(LIST, HTTP_ACCEPT_LANGUAGE=language)
    request.user = user
    return Request(request)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_list_rows_are_exactly_what_the_summary_serializer_renders(tree, staff, variety, language):
    page, _filterset = selectors.petition_list(user=staff, filters=QueryDict("open=unknown"), size=50)
    assert {p.pk for p in page.items} == {p.pk for p in variety.values()}
    with translation.override(language):
        context = {"request": _api_request(staff, language=language)}
        fast = s.PetitionSummaryOut(page.items, many=True, context=context)
        assert isinstance(fast, s.PetitionSummaryListOut)
        rows = fast.data
        # The generic path, one item at a time (as the action endpoints still render them).
        generic = [s.PetitionSummaryOut(petition, context=context).data for petition in page.items]
    assert JSONRenderer().render(rows) == JSONRenderer().render(generic)  # keys, order, types, text
    by_id = {row["id"]: row for row in rows}
    assert by_id[variety["claimed"].pk]["claimed_by"] == {"id": staff.pk, "name": str(staff)}
    assert by_id[variety["routed"].pk]["unit"]["id"] == tree.unit_a.pk
    assert by_id[variety["new"].pk]["unit"] is None
    assert by_id[variety["anonymous"].pk]["personal"] == {"name": "", "phone": "", "address": ""}
    assert by_id[variety["replied"].pk]["deadlines"] == []
    assert all(d["paused_at"] for d in by_id[variety["waiting"].pk]["deadlines"])
    assert by_id[variety["routed"].pk]["deadlines"][0]["breached_at"].endswith("+08:00")
    assert by_id[variety["new"].pk]["deadlines"][0]["due_at"] == "2026-03-02T04:05:00+08:00"


def test_the_list_endpoint_builds_no_serializer_fields_per_row(tree, staff, variety, monkeypatch):
    built = []
    original = drf_serializers.ModelSerializer.get_fields

    def counting(self):
        built.append(type(self).__name__)
        return original(self)

    monkeypatch.setattr(drf_serializers.ModelSerializer, "get_fields", counting)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    response = client.get(LIST, {"open": "unknown"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == len(variety)
    assert built == []  # the generic path built a DeadlineOut per row, plus the summary's own fields
    # An action's answer still goes through the generic serializer.
    claim = reverse("petitions_api:petition_claim", kwargs={"pk": factories.petition(region=tree.grid_a).pk})
    assert client.post(claim).status_code == 200
    assert "PetitionSummaryOut" in built


def test_the_list_json_over_http_matches_the_detail_of_each_item(tree, staff, variety):
    """The detail view (generic path, a superset of the summary) agrees with every list row."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    rows = client.get(LIST, {"open": "unknown"}).json()["results"]
    for row in rows:
        detail = client.get(row["url"]).json()
        assert {key: detail[key] for key in row} == row


# --- The queue page ----------------------------------------------------------------------------------


def _control(view: queue_views.FieldView) -> str:
    """The queue's markup for one field, as its template draws it."""
    return render_to_string("petitions/_queue_fields.html", {"fields": [view], "wrap": "w", "label_class": "l"})


def _same_as_django(view: queue_views.FieldView, bound, *, choices=None) -> None:
    """The field's markup contains exactly Django's own rendering of its widget."""
    if choices is not None:
        bound.field.widget.choices = choices
    expected = parse_html(str(bound))  # Django's widget templates
    drawn = parse_html(_control(view))
    assert drawn.count(expected) == 1, f"{view.name}:\n{_control(view)}\n---\n{bound}"


QUERIES = {
    "defaults": "open=true",
    "chosen": (
        "status=new&status=waiting&klass=general&category=water&channel=phone&unit={unit}&region={region}"
        "&overdue=true&unclaimed=false&filed_from=2026-01-02&q=ZH%3Cx%3E&rated=good&sort=due"
    ),
    "invalid": "status=nope&category=nope&filed_from=bad&open=maybe&region=99999999",
}


@pytest.mark.parametrize("case", list(QUERIES))
def test_filter_fields_render_like_django_widgets(tree, staff, english, case):
    query = QUERIES[case].format(unit=tree.unit_a.pk, region=tree.community_a.pk)
    units = list(unit_list(user=staff))
    form = PetitionFilter(QueryDict(query), queryset=Petition.objects.all()).form
    assert form.is_valid() == (case != "invalid")
    views = queue_views.filter_fields(form, staff, units)
    assert [v.name for v in views] == [b.name for b in form.visible_fields()]
    any_yes_no = [("unknown", "Any"), ("true", "Yes"), ("false", "No")]
    for view in views:
        bound = form[view.name]
        choices = None
        if view.name == "unit":
            choices = [("", "---------"), *((u.pk, u.name) for u in units)]
        elif isinstance(bound.field.widget, forms.NullBooleanSelect):
            choices = any_yes_no
        _same_as_django(view, bound, choices=choices)
        assert [str(e) for e in bound.errors] == list(view.errors)
    drawn = {v.name: v for v in views}
    if case == "chosen":
        assert 'value="water" selected' in drawn["category"].options
        assert 'value="new" selected' in drawn["status"].options
        assert 'value="waiting" selected' in drawn["status"].options
        assert drawn["q"].value == "ZH<x>" and "ZH&lt;x&gt;" in _control(drawn["q"])
    if case == "invalid":
        assert drawn["category"].errors and 'aria-invalid="true"' in _control(drawn["category"])


@pytest.mark.parametrize("bound_data", [None, {"operation": "route", "ids": ["1"], "klass": "bogus", "reply": "a<b"}])
def test_bulk_fields_render_like_django_widgets(tree, staff, english, bound_data):
    units = list(unit_list(user=staff))
    if bound_data is None:
        form = BulkForm(units=unit_list(user=staff), initial={"operation": BulkForm.ROUTE})
    else:
        form = BulkForm(bound_data, units=unit_list(user=staff))
        assert not form.is_valid()
    route, reply = queue_views.bulk_fields(form, units)
    unit_choices = [("", "— choose a unit —"), *((u.pk, u.name) for u in units)]
    for view in [*route, *reply]:
        _same_as_django(view, form[view.name], choices=unit_choices if view.name == "unit" else None)
    assert 'data-text="Hello, the problem you reported has been dealt with.' in reply[0].options
    if bound_data is not None:
        assert "is-invalid" in route[0].attrs and 'aria-describedby="id_bulk_klass_error"' in route[0].attrs


def test_rows_show_local_due_times_badges_and_links(tree, staff, variety, english):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    page = client.get(QUEUE, {"open": "unknown"}).content.decode()

    def row(name: str) -> str:
        return page.split(f'data-code="{variety[name].tracking_code}"')[1].split("</tr>")[0]

    new = row("new")
    # 2026-03-01 20:05 UTC is 03-02 04:05 in Asia/Shanghai.
    assert '<time datetime="2026-03-02T04:05:00+08:00">03-02 04:05</time>' in new
    assert "Overdue" in new and 'class="badge text-bg-primary"' in new and ">Awaiting triage<" in new
    assert f'href="{reverse("petitions:detail", args=[variety["new"].pk])}"' in new
    assert f'action="{reverse("petitions:act", args=[variety["new"].pk, "claim"])}"' in new
    assert f"Select {variety['new'].tracking_code}" in new
    routed = row("routed")
    assert (
        "text-bg-info" in routed and "General (handle within the period)" in routed and "Claim</button>" not in routed
    )
    assert "Paused" in row("waiting") and "text-bg-secondary" in row("waiting")
    assert "Anonymous" in row("anonymous") and "陈" not in row("anonymous")
    assert str(staff) in row("claimed") and "Claim</button>" not in row("claimed")
    replied = row("replied")
    assert "text-bg-success" in replied and "—" in replied.split("text-nowrap")[-1]
    local = timezone.localtime(Deadline.objects.filter(petition=variety["routed"]).order_by("due_at")[0].due_at)
    assert local.tzinfo == ZoneInfo("Asia/Shanghai")
    assert local.strftime("%m-%d %H:%M") in routed


def test_the_queue_renders_no_widget_through_django_templates(tree, staff, variety, monkeypatch):
    rendered = []
    original = forms.Widget.render

    def counting(self, *args, **kwargs):
        rendered.append(type(self).__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(forms.Widget, "render", counting)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    page = client.get(QUEUE).content.decode()
    assert rendered == []
    # Yet every filter and bulk field is on the page, with its label.
    for name in [*PetitionFilter.base_filters, "klass", "unit", "template", "reply"]:
        assert re.search(rf'name="{name}"', page), name
    assert 'id="id_bulk_unit"' in page and 'for="id_status"' in page


def test_the_api_list_json_is_unchanged_for_an_empty_page(staff):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    body = client.get(LIST, {"status": "closed"}).content
    assert json.loads(body) == {"results": [], "next": None}
