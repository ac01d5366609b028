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
from django.db import connection, transaction
from django.http import QueryDict
from django.template import RequestContext, Template
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from grids import services as grid_services
from grids.permissions import may
from grids.roles import Role
from grids.selectors import unit_list
from petitions import forms as petition_forms
from petitions import permissions, selectors
from petitions import serializers as s
from petitions.filters import PetitionFilter
from petitions.forms import BulkForm
from petitions.models import Category, Deadline, Petition
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
    return factories.petition_shapes(tree, staff)


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


def test_the_list_endpoint_builds_no_serializer_fields_per_row(tree, staff, variety, serializer_fields_built):
    built = serializer_fields_built
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
    units = queue_views.unit_choices(staff)
    form = PetitionFilter(QueryDict(query), queryset=Petition.objects.all()).form
    assert form.is_valid() == (case != "invalid")
    views = queue_views.filter_fields(form, staff, units)
    assert [v.name for v in views] == [b.name for b in form.visible_fields()]
    any_yes_no = [("unknown", "Any"), ("true", "Yes"), ("false", "No")]
    for view in views:
        bound = form[view.name]
        choices = None
        if view.name == "unit":
            choices = [("", "---------"), *units]
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
    units = queue_views.unit_choices(staff)
    assert units == tuple((u.pk, u.name) for u in unit_list(user=staff))
    if bound_data is None:
        form = BulkForm(units=unit_list(user=staff), initial={"operation": BulkForm.ROUTE})
    else:
        form = BulkForm(bound_data, units=unit_list(user=staff))
        assert not form.is_valid()
    route, reply = queue_views.bulk_fields(form, units)
    unit_choices = [("", "— choose a unit —"), *units]
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


# --- The rows ------------------------------------------------------------------------------------------

# The rows as the template language drew them before petitions.views.queue.queue_rows (the generic
# path: display methods, url tags, the status badge include, date filters), to hold the drawing equal.
GENERIC_ROWS = Template(
    """{% load i18n %}{% for p in rows %}
<tr data-testid="queue-row" data-code="{{ p.tracking_code }}">
  {% if can_bulk %}
    <td><input type="checkbox" class="form-check-input" name="ids" value="{{ p.pk }}" form="bulk-form"
               id="select-{{ p.pk }}" {% if p.pk in selected %}checked{% endif %}>
      <label class="visually-hidden" for="select-{{ p.pk }}">{% blocktranslate trimmed with code=p.tracking_code %}Select {{ code }}{% endblocktranslate %}</label></td>
  {% endif %}
  <td><a href="{% url 'petitions:detail' p.pk %}" class="text-nowrap">{{ p.tracking_code }}</a></td>
  <td>{{ p.title }}
    <div class="small text-muted">{% if p.anonymous %}{% translate "Anonymous" %}{% else %}{{ p.masked.name }} {{ p.masked.phone }}{% endif %}</div></td>
  <td>{{ p.category.name }}</td>
  <td>{{ p.region.name }}</td>
  <td>{% include "petitions/_status_badge.html" with status=p.status label=p.get_status_display %}</td>
  <td>{{ p.get_klass_display|default:"—" }}</td>
  <td>{{ p.unit.name|default:"—" }}</td>
  <td class="text-nowrap">
    {% if p.nearest_deadline %}
      <span class="small">{{ p.nearest_deadline.get_kind_display }}</span>
      <time datetime="{{ p.nearest_deadline.due_at|date:'c' }}">{{ p.nearest_deadline.due_at|date:"m-d H:i" }}</time>
      {% if p.deadline_state == "overdue" %}<span class="badge text-bg-danger" data-testid="overdue">{% translate "Overdue" %}</span>
      {% elif p.deadline_state == "due_soon" %}<span class="badge text-bg-warning">{% translate "Due soon" %}</span>
      {% elif p.deadline_state == "paused" %}<span class="badge text-bg-secondary">{% translate "Paused" %}</span>{% endif %}
    {% else %}—{% endif %}
  </td>
  <td>{{ p.claimed_by|default:"—" }}</td>
  <td>
    {% if p.can_claim %}
      <form method="post" action="{% url 'petitions:act' p.pk 'claim' %}">
        {% csrf_token %}
        <input type="hidden" name="next" value="{% url 'petitions:queue' %}?{{ query }}">
        <button type="submit" class="btn btn-sm btn-outline-primary">{% translate "Claim" %}</button>
      </form>
    {% endif %}
  </td>
</tr>
{% endfor %}"""  # noqa: E501
)


def _generic_rows(request, items, *, can_bulk, selected, query) -> str:
    now = timezone.now()
    for p in items:
        p.masked = selectors.masked_personal_data(p)
        running = sorted(p.running_deadlines, key=lambda d: d.due_at)
        ticking = [d for d in running if d.paused_at is None]
        p.nearest_deadline = nearest = ticking[0] if ticking else (running[0] if running else None)
        p.deadline_state = (
            ""
            if nearest is None
            else "paused"
            if nearest.paused_at is not None
            else "overdue"
            if nearest.due_at <= now
            else "due_soon"
            if nearest.due_at <= now + dt.timedelta(days=1)
            else ""
        )
        p.can_claim = (
            may(request.user, permissions.TRIAGE)
            and p.status == "new"
            and p.claimed_by_id is None
            and permissions.may_act(request.user, p, permissions.TRIAGE)
        )
    context = {"rows": items, "can_bulk": can_bulk, "selected": selected, "query": query}
    return GENERIC_ROWS.render(RequestContext(request, context))


def _same_markup(html: str) -> object:
    return parse_html(re.sub(r'name="csrfmiddlewaretoken" value="\w+"', 'name="csrfmiddlewaretoken" value=""', html))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("role", [Role.STREET_STAFF, Role.HANDLER])
def test_rows_are_what_the_template_language_drew(tree, staff, variety, language, role):
    viewer = (
        staff if role == Role.STREET_STAFF else grid_factories.user(role=role, region=tree.street_a, unit=tree.unit_a)
    )
    can_bulk = may(viewer, permissions.TRIAGE)  # as the queue decides; a handler may not triage
    # A title and a name that need escaping, and one selected row.
    variety["routed"].title = 'Lamp <b>"out"</b> & broken'
    variety["waiting"].reporter_name = "<script>"
    Petition.objects.bulk_update([variety["routed"], variety["waiting"]], ["title", "reporter_name"])
    request = RequestFactory().get(QUEUE, HTTP_ACCEPT_LANGUAGE=language)
    request.user = viewer
    query = "open=unknown&q=%3Cx%3E"
    selected = {variety["routed"].pk}
    with translation.override(language):
        page, _filterset = selectors.petition_list(user=viewer, filters=QueryDict("open=unknown"), size=50)
        assert len(page.items) == (len(variety) if can_bulk else 3)
        rows, _filterset = selectors.petition_list_rows(user=viewer, filters=QueryDict("open=unknown"), size=50)
        assert [row.id for row in rows.items] == [p.pk for p in page.items]
        drawn = queue_views.queue_rows(rows.items, request, can_bulk=can_bulk, selected=selected, query=query)
        generic = _generic_rows(request, page.items, can_bulk=can_bulk, selected=selected, query=query)
    assert _same_markup(str(drawn)) == _same_markup(generic)
    assert "&lt;b&gt;&quot;out&quot;&lt;/b&gt; &amp; broken" in drawn and "<script>" not in drawn
    assert ("csrfmiddlewaretoken" in drawn) == can_bulk  # new, unclaimed rows offer claim to triage staff
    assert ('id="select-{}" checked'.format(variety["routed"].pk) in drawn) == can_bulk


# --- The choice lists, kept per process -----------------------------------------------------------------


def _options(page: str, select_id: str) -> str:
    return page.split(f'id="{select_id}"')[1].split("</select>")[0]


def test_kept_choice_lists_follow_every_change_at_once(tree, staff, english):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    first = client.get(QUEUE).content.decode()
    assert client.get(QUEUE).content.decode().count("<option") == first.count("<option")  # from what was kept

    def options(select_id: str) -> str:
        return _options(client.get(QUEUE).content.decode(), select_id)

    # Each change shows on the very next page.
    Category.objects.create(code="fallen_tree", name_zh="树木倒伏", name_en="Fallen tree")
    assert 'value="fallen_tree">Fallen tree<' in options("id_category")
    noise = Category.objects.get(code="noise")
    noise.is_active = False
    noise.save()
    assert 'value="noise"' in _options(first, "id_category") and 'value="noise"' not in options("id_category")
    grid_services.region_rename(region=tree.community_a, name="总浦桥新社区")
    assert "总浦桥新社区" in options("id_region") and "总浦桥社区" not in options("id_region")
    police = grid_factories.unit(regions=[tree.street_a], name="招宝山派出所", kind="police")
    page = client.get(QUEUE).content.decode()
    for select_id in ("id_unit", "id_bulk_unit"):
        assert f'value="{police.pk}">招宝山派出所<' in _options(page, select_id)
    police.regions.set([tree.street_b])  # the units in scope follow their regions
    assert f'value="{police.pk}"' not in options("id_unit")
    police.delete()
    assert client.get(QUEUE).status_code == 200
    # Per language: the categories' names.
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese.force_login(staff)
    assert 'value="fallen_tree">树木倒伏<' in _options(chinese.get(QUEUE).content.decode(), "id_category")
    assert 'value="fallen_tree">Fallen tree<' in options("id_category")


def test_a_change_replaces_the_token_at_once_and_again_on_commit(tree, django_capture_on_commit_callbacks):
    before = petition_forms.choices_token()
    assert before is not None and petition_forms.choices_token() == before
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        Category.objects.create(code="fallen_tree", name_zh="树木倒伏", name_en="Fallen tree")
        during = petition_forms.choices_token()
        assert during != before
    assert len(callbacks) == 1 and petition_forms.choices_token() not in (before, during)


def test_each_scope_gets_its_own_lists(tree, staff, english):
    other = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_b)
    mine, theirs = Client(HTTP_ACCEPT_LANGUAGE="en"), Client(HTTP_ACCEPT_LANGUAGE="en")
    mine.force_login(staff)
    theirs.force_login(other)
    for _ in range(2):
        page = mine.get(QUEUE).content.decode()
        assert "招宝山城管中队" in _options(page, "id_unit") and "骆驼供电所" not in _options(page, "id_unit")
        assert "总浦桥社区" in _options(page, "id_region") and "南一社区" not in _options(page, "id_region")
        page = theirs.get(QUEUE).content.decode()
        assert "骆驼供电所" in _options(page, "id_unit") and "招宝山城管中队" not in _options(page, "id_unit")
        assert "南一社区" in _options(page, "id_region") and "总浦桥社区" not in _options(page, "id_region")


def test_without_the_cache_the_page_is_built_from_the_database(tree, staff, english, monkeypatch):
    factories.petition(region=tree.grid_a)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    kept_page = client.get(QUEUE, {"category": "road"}).content.decode()

    def unreachable():
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(petition_forms, "_read_token", unreachable)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE, {"category": "road"})
    assert response.status_code == 200
    # The page, the category's lookup (by the list's filters, again by the drawn form) and three choice lists.
    assert len(queries) == 6 + 2 + 3
    fresh_page = response.content.decode()
    main = re.compile(r"<main.*</main>", re.S)  # the page without the base template's CSRF token
    assert _same_markup(main.search(fresh_page)[0]) == _same_markup(main.search(kept_page)[0])
    assert 'value="road" selected' in _options(fresh_page, "id_category")
