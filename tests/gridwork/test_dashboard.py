"""The grid dashboard's petition figures (the reports' rollups), its charts, and the grid-work export
through the exports app: every figure against the dashboard's own statement."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from gridwork import selectors
from gridwork.models import FieldDay, Household, Visit
from reports.services import rollup_refresh
from tests.grids import factories as grid_factories
from tests.gridwork import factories
from tests.petitions import factories as petition_factories

pytestmark = pytest.mark.django_db


def _day(leader, grid, date):
    FieldDay.objects.create(leader=leader, grid=grid, region_path=grid.path, date=date, hours=3)


def test_petition_figures_per_child_region_from_the_reports(client, tree):
    street = grid_factories.user(role="street_staff", region=tree.street_a)
    for region in (tree.grid_a, tree.grid_a, tree.community_a2):
        petition_factories.petition(region=region)
    petition_factories.petition(region=tree.grid_b)  # another street
    rollup_refresh(all_months=True)
    client.force_login(street)
    today = timezone.localdate()
    page = client.get(reverse("gridwork:dashboard"), {"start": today.replace(day=1).isoformat()})
    assert page.status_code == 200
    found = page.context["petitions"]
    assert found.total.label == tree.street_a.name and found.total.cells[0][0] == "3"
    by_label = {row.label: row for row in found.rows}
    assert by_label[tree.community_a.name].cells[0][0] == "2"
    assert by_label[tree.community_a2.name].cells[0][0] == "1"
    assert by_label[tree.community_a.name].region_pk == tree.community_a.pk
    # Each count links to the queue that lists exactly those items (the reports' own links).
    link = by_label[tree.community_a.name].cells[0][1]
    assert link.startswith(reverse("petitions:queue")) and f"region={tree.community_a.pk}" in link
    assert len(found.columns) == len(found.total.cells) == 6 and found.definitions
    html = page.content.decode()
    assert 'data-testid="petition-figures"' in html and 'data-testid="petition-chart"' in html
    assert 'data-testid="grid-chart"' in html and "<svg" in html and "cdn" not in html.lower()
    # Drilled down to the compound: one row per grid.
    page = client.get(reverse("gridwork:dashboard"), {"region": tree.compound_a.pk})
    rows = {row.label: row.cells[0][0] for row in page.context["petitions"].rows}
    assert rows[tree.grid_a.name] == "2" and rows[tree.grid_a2.name] == "0"


def test_a_grid_leader_sees_grid_work_but_not_the_petition_figures(client, tree):
    leader = grid_factories.user(role="grid_leader", region=tree.grid_a)
    client.force_login(leader)
    page = client.get(reverse("gridwork:dashboard"))
    assert page.status_code == 200 and page.context["petitions"] is None
    assert 'data-testid="export-link"' not in page.content.decode()  # grid leaders do not export


def _export(client, region, start, end, fmt="csv"):
    url = reverse("exports:new")
    query = {"kind": "gridwork", "region": region.pk, "start": start.isoformat(), "end": end.isoformat()}
    return client.post(url + "?" + "&".join(f"{k}={v}" for k, v in query.items()), {"format": fmt})


def test_the_export_gives_every_node_the_dashboard_figures(client, tree):
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    wang = grid_factories.user(role="grid_leader", region=tree.grid_a)
    grid_factories.user(role="grid_leader", region=tree.grid_a2)
    today = timezone.localdate()
    start = today - dt.timedelta(days=20)
    for back in (0, 1, 2, 3, 9):
        _day(wang, tree.grid_a, today - dt.timedelta(days=back))
    house = Household.objects.create(
        compound=tree.compound_a, region_path=tree.grid_a.path, grid=tree.grid_a, building="1", room="101"
    )
    Household.objects.create(compound=tree.compound_a, region_path=tree.compound_a.path, building="1", room="102")
    Visit.objects.create(household=house, region_path=house.region_path, visited_on=today, visitor=staff, outcome="好")
    factories.meeting(user=staff, region=tree.community_a, resolutions=["甲", "乙"], days_ago=0)
    client.force_login(staff)
    page = client.get(
        reverse("exports:new"), {"kind": "gridwork", "region": tree.street_a.pk, "start": start, "end": today}
    )
    assert page.status_code == 200 and page.context["estimate"] == 7  # the street and its six nodes
    response = _export(client, tree.street_a, start, today)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    header, rows = rows[0], rows[1:]
    assert len(header) == 16 and [row[1] for row in rows][:3] == [
        tree.street_a.name,
        tree.community_a.name,
        tree.compound_a.name,
    ]
    by_name = {row[1]: row for row in rows}
    for region in (tree.street_a, tree.community_a, tree.compound_a, tree.grid_a, tree.grid_a2, tree.community_a2):
        f = selectors.grid_figures(region=region, start=start, end=today)
        row = by_name[region.name]
        shown = [int(row[3]), int(row[4]), int(row[6]), int(row[7]), int(row[9]), int(row[10]), int(row[13])]
        assert shown == [f.field_days, f.leaders, f.households, f.visited, f.meetings, f.resolutions, f.receptions], (
            region.name
        )
        assert row[5] == (f"{f.compliance}%" if f.compliance is not None else "")
        assert row[8] == (f"{f.visit_rate}%" if f.visit_rate is not None else "")
    assert by_name[tree.grid_a.name][3] == "5" and by_name[tree.street_a.name][6] == "2"
    assert _export(client, tree.street_a, start, today, fmt="xlsx").status_code == 200


def test_the_export_refuses_other_scopes_and_bad_periods(client, tree):
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    client.force_login(staff)
    today = timezone.localdate()
    assert _export(client, tree.street_b, today, today).status_code == 400  # outside: not a valid choice
    assert _export(client, tree.street_a, today, today - dt.timedelta(days=1)).status_code == 400
    assert _export(client, tree.street_a, dt.date(1, 1, 1), today).status_code == 400
    bad = client.get(reverse("exports:new"), {"kind": "gridwork", "region": "x" * 500, "start": "9999-99-99"})
    assert bad.status_code == 400
    client.force_login(grid_factories.user(role="grid_leader", region=tree.grid_a))
    assert _export(client, tree.street_a, today, today).status_code == 404


def test_the_monthly_pdf_carries_the_grid_work_section(client, tree, settings):
    from pypdf import PdfReader

    settings.LANGUAGE_CODE = "en"
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    wang = grid_factories.user(role="grid_leader", region=tree.grid_a)
    today = timezone.localdate()
    _day(wang, tree.grid_a, today)
    client.force_login(staff)
    response = client.get(
        reverse("reports:monthly_pdf"),
        {"region": tree.street_a.pk, "month": f"{today:%Y-%m}"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Grid work" in text and "Field-day compliance" in text and "Visit rate" in text
