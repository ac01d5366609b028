"""The report pages, the PDF and the API: figures shown, links to the items behind each figure,
scoping, bad input and pinned query counts."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from reports import services
from reports.api import KpiView
from tests.grids import factories as grid_factories
from tests.reports.dataset import KnownSet

pytestmark = pytest.mark.django_db
MARCH = {"start": "2026-03", "end": "2026-03"}
# + funds.figures (one aggregate) + volunteers.figures (registered, active in sign-ups kept, approved
# hours, wishes fulfilled) + gridwork.figures (one statement)
DASHBOARD_QUERIES = 15 + 1 + 4 + 1


def _client(client, tree, role="district_staff", where="district", lang="en"):
    """Signed in as ``role`` bound at ``where``; messages in English unless ``lang`` says otherwise."""
    user = grid_factories.user(role=role, region=getattr(tree, where))
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    return client


def _dashboard(client, **params):
    return client.get(reverse("reports:dashboard"), params)


def _queue_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    assert not response.context["filter_errors"], url
    assert not response.context["page"].has_more
    return len(response.context["rows"])


def test_dashboard_shows_the_figures_with_their_changes_and_definitions(client, known, english):
    tree = known.tree
    response = _dashboard(_client(client, tree), region=tree.district.pk, **MARCH)
    assert response.status_code == 200
    cards = {card.key: card for card in response.context["cards"]}
    assert [cards[k].value for k in ("collected", "first_time_rate", "feedback_rate", "on_time_rate")] == [
        "9",
        "55.6%",
        "77.8%",
        "71.4%",
    ]
    assert [cards[k].value for k in ("satisfaction_rate", "not_evaluated_share", "rework_rate", "escalation_rate")] == [
        "60.0%",
        "42.9%",
        "14.3%",
        "11.1%",
    ]
    assert cards["avg_work_hours"].value == "3.3 h"
    assert cards["satisfaction_rate"].detail == "3 / 5" and cards["on_time_rate"].detail == "5 / 7"
    # February (B3 only): 1 collected, everything 100% → March's change
    assert cards["collected"].change == "+800.0%"
    assert cards["satisfaction_rate"].change == "-40.0 pp" and cards["satisfaction_rate"].direction == "bad"
    assert cards["escalation_rate"].change == "+11.1 pp" and cards["escalation_rate"].direction == "bad"
    html = response.content.decode()
    assert html.count('<svg role="img"') == 3  # trend, volume, by region — inline, from reportlab
    assert "cdn" not in html.lower() and "<script" not in html.split("</head>")[1]
    assert "First-time resolution rate" in html and "latest evaluation" in html  # the definitions
    assert 'data-testid="pdf-link"' in html


def test_every_figure_links_to_exactly_the_items_behind_it(client, known):
    tree = known.tree
    client = _client(client, tree)
    response = _dashboard(client, region=tree.district.pk, **MARCH)
    links = response.context["links"]
    expected = {
        "collected": 9,
        "first_time_rate": 5,
        "feedback_rate": 7,
        "on_time_rate": 5,
        "satisfaction_rate": 3,
        "evaluated": 5,
        "satisfied": 2,
        "basic": 1,
        "unsatisfied": 2,
        "not_evaluated_share": 3,
        "rework_rate": 1,
        "escalation_rate": 1,
        "avg_work_hours": 7,
    }
    assert {key: _queue_count(client, links[key]) for key in expected} == expected
    # The rows of the splits link to their own items: a street, a unit, a channel.
    for item in response.context["children"] + response.context["split_rows"]:
        assert _queue_count(client, item["links"]["collected"]) == item["row"].figures.collected
        assert _queue_count(client, item["links"]["on_time_rate"]) == item["row"].figures.on_time
    units = client.get(reverse("reports:units"), {"region": tree.district.pk, **MARCH})
    for item in units.context["rows"] + units.context["unrouted"]:
        assert _queue_count(client, item["links"]["satisfaction_rate"]) == (
            item["row"].figures.satisfied + item["row"].figures.basic
        )


def test_the_dashboard_drills_down_to_child_regions(client, known):
    tree = known.tree
    client = _client(client, tree)
    response = _dashboard(client, region=tree.district.pk, **MARCH)
    children = response.context["children"]
    assert [c["row"].label for c in children] == [tree.street_a.name, tree.street_b.name]
    drill = children[0]["drill"]
    assert parse_qs(urlsplit(drill).query)["region"] == [str(tree.street_a.pk)]
    deeper = client.get(drill)
    assert deeper.status_code == 200 and deeper.context["region"] == tree.street_a
    assert deeper.context["total"].collected == 7
    assert [r.name for r in deeper.context["trail"]] == [tree.district.name, tree.street_a.name]
    grid = _dashboard(client, region=tree.grid_a.pk, **MARCH)
    assert grid.status_code == 200 and grid.context["children"] == [] and grid.context["total"].collected == 7


def test_split_tabs(client, known):
    tree = known.tree
    client = _client(client, tree)
    for split, keys in [
        ("channel", ["grid", "web", "phone"]),
        ("unit", [str(tree.unit_a.pk), str(tree.unit_b.pk), "none"]),
    ]:
        response = _dashboard(client, region=tree.district.pk, split=split, **MARCH)
        assert sorted(item["row"].key for item in response.context["split_rows"]) == sorted(keys)


def test_default_is_the_callers_top_region_and_this_month_so_far(client, tree):
    response = _dashboard(_client(client, tree, "street_staff", "street_a"))
    assert response.status_code == 200
    assert response.context["region"] == tree.street_a
    assert response.context["start"] == response.context["end"] == timezone.localdate().replace(day=1)
    assert "The figures have not been computed yet" in response.content.decode()
    services.rollup_refresh()
    page = _dashboard(_client(client, tree, "street_staff", "street_a")).content.decode()
    assert "the item lists and exports read the items live" in page


def test_a_street_cannot_see_another_street(client, tree):
    client = _client(client, tree, "street_staff", "street_a")
    assert _dashboard(client, region=tree.street_a.pk).status_code == 200
    assert _dashboard(client, region=tree.grid_a.pk).status_code == 200
    for region in (tree.street_b, tree.grid_b, tree.district):
        assert _dashboard(client, region=region.pk).status_code == 404
        assert client.get(reverse("reports:units"), {"region": region.pk}).status_code == 404
        assert client.get(reverse("reports:backlog"), {"region": region.pk}).status_code == 404
        assert client.get(reverse("reports:monthly_pdf"), {"region": region.pk}).status_code == 404
        assert client.get(reverse("reports_api:kpis"), {"region": region.pk}).status_code == 404
    assert _dashboard(client, region=999_999).status_code == 404


@pytest.mark.parametrize("role", ["grid_leader", "handler", "fund_manager", "resident"])
def test_roles_without_reports_get_404(client, tree, role):
    user = grid_factories.user(role=role, region=tree.street_a, unit=tree.unit_a if role == "handler" else None)
    client.force_login(user)
    assert _dashboard(client).status_code == 404
    assert client.get(reverse("reports_api:kpis")).status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13"}, "Enter a month as YYYY-MM"),
        ({"start": "March"}, "Enter a month as YYYY-MM"),
        ({"start": "2026-05", "end": "2026-03"}, "The last month is before the first month."),
        ({"start": "2024-01", "end": "2026-01"}, "Choose at most 24 months."),
        ({"region": "abc"}, "Choose a region from the list."),
        ({"split": "nonsense"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_a_translated_form_error(client, tree, english, params, message):
    client = _client(client, tree)
    response = _dashboard(client, **params)
    assert response.status_code == 400 and message in response.content.decode()
    if "split" not in params:  # the league table has no split
        assert client.get(reverse("reports:units"), params).status_code == 400
    api = client.get(reverse("reports_api:kpis"), params)
    assert api.status_code == 400 and message in str(api.json())
    chinese = client.get(reverse("reports:dashboard"), params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 400 and 'lang="zh-hans"' in chinese.content.decode()


def test_a_range_of_24_months_is_allowed(client, tree):
    assert _dashboard(_client(client, tree), start="2024-02", end="2026-01").status_code == 200


def test_pdf_bad_month_is_a_400_page(client, tree, english):
    response = _client(client, tree).get(reverse("reports:monthly_pdf"), {"month": "2026-00"})
    assert response.status_code == 400 and "Enter a month as YYYY-MM" in response.content.decode()


def test_dashboard_query_count_does_not_grow_with_the_data(client, tree):
    client = _client(client, tree)
    url = reverse("reports:dashboard")
    params = {"region": tree.district.pk, **MARCH}
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, params).status_code == 200
    KnownSet(tree).build()
    services.rollup_refresh(all_months=True)
    with CaptureQueriesContext(connection) as big:
        response = client.get(url, params)
    assert response.context["total"].collected == 9
    assert len(small) == len(big) == DASHBOARD_QUERIES
    assert not [q for q in big.captured_queries if "petitions_petition" in q["sql"]]  # rollups only


def test_units_league_ranks_by_on_time_rate(client, known, english):
    tree = known.tree
    client = _client(client, tree)
    response = client.get(reverse("reports:units"), {"region": tree.district.pk, **MARCH})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [item["row"].key for item in rows] == [str(tree.unit_a.pk), str(tree.unit_b.pk)]  # 75% before 0%
    assert rows[0]["named"]["on_time_rate"][0] == "75.0%" and rows[1]["named"]["on_time_rate"][0] == "0.0%"
    assert rows[0]["named"]["rework_rate"][0] == "25.0%"
    assert [item["row"].key for item in response.context["unrouted"]] == ["none"]
    by_rework = client.get(reverse("reports:units"), {"region": tree.district.pk, "sort": "rework", **MARCH})
    assert [item["row"].key for item in by_rework.context["rows"]] == [str(tree.unit_b.pk), str(tree.unit_a.pk)]


def test_backlog_history(client, tree, english):
    from petitions.models import MonthlySnapshot

    for month, open_count, overdue in [("2026-01-01", 5, 2), ("2026-02-01", 3, 0)]:
        MonthlySnapshot.objects.create(month=month, region=tree.street_a, open_count=open_count, overdue_count=overdue)
    MonthlySnapshot.objects.create(month="2026-02-01", region=tree.community_a, open_count=3, overdue_count=0)
    client = _client(client, tree, "street_staff", "street_a")
    response = client.get(reverse("reports:backlog"))
    assert response.status_code == 200
    assert [(f"{s.month:%Y-%m}", s.open_count, s.overdue_count) for s in response.context["history"].months] == [
        ("2026-01", 5, 2),
        ("2026-02", 3, 0),
    ]
    assert response.context["history"].children == [
        (tree.community_a, MonthlySnapshot.objects.get(region=tree.community_a)),
        (tree.community_a2, None),  # no snapshot taken for it that month
    ]
    assert '<svg role="img"' in response.content.decode()
    # A grid reports its community's history (snapshots stop at the communities).
    assert client.get(reverse("reports:backlog"), {"region": tree.grid_a.pk}).context["region"] == tree.community_a


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_monthly_pdf_in_english_has_the_figures_definitions_and_charts(client, known, english):
    tree = known.tree
    response = _client(client, tree).get(
        reverse("reports:monthly_pdf"), {"region": tree.district.pk, "month": "2026-03"}
    )
    text = _pdf_text(response)
    assert "Monthly KPI report 2026-03" in text
    for figure in ("55.6%", "77.8%", "71.4%", "60.0%", "42.9%", "14.3%", "11.1%", "3.3 h", "+800.0%", "-40.0 pp"):
        assert figure in text, figure
    assert "First-time resolution rate" in text and "Definitions" in text
    assert "Rates by region" in text and "2026-03" in text  # chart titles and axis labels are text too
    assert 'filename="kpi-' in response["Content-Disposition"]


def test_monthly_pdf_in_chinese_uses_the_cid_font(client, known):
    tree = known.tree
    client = _client(client, tree)
    with translation.override("zh-hans"):
        response = client.get(
            reverse("reports:monthly_pdf"),
            {"region": tree.district.pk, "month": "2026-03"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    text = _pdf_text(response)
    assert "55.6%" in text and "2026-03" in text
    reader = PdfReader(io.BytesIO(response.content))
    fonts = {
        str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values() if "/BaseFont" in f.get_object()
    }
    assert any("STSong-Light" in name for name in fonts), fonts
    assert tree.district.name in text  # 镇海区


def test_api_returns_the_figures_and_rows_with_links(client, known):
    tree = known.tree
    client = _client(client, tree)
    response = client.get(reverse("reports_api:kpis"), {"region": tree.district.pk, "split": "region", **MARCH})
    assert response.status_code == 200
    body = response.json()
    assert body["total"]["counts"]["collected"] == 9 and body["total"]["rates"]["satisfaction_rate"] == 0.6
    assert body["total"]["rates"]["on_time_rate"] == round(5 / 7, 4)
    assert body["previous"]["start"] == "2026-02" and body["previous"]["counts"]["collected"] == 1
    rows = {row["key"]: row for row in body["rows"]}
    assert rows[str(tree.street_a.pk)]["counts"]["collected"] == 7
    link = rows[str(tree.street_b.pk)]["items_url"]
    assert re.search(rf"region={tree.street_b.pk}\b", link) and "filed_from=2026-03-01" in link
    assert KpiView.token_scopes == {"read": "reports:read"}


def test_api_query_count_is_fixed(client, tree):
    client = _client(client, tree)
    url = reverse("reports_api:kpis")
    with CaptureQueriesContext(connection) as small:
        client.get(url, {"split": "unit", **MARCH})
    KnownSet(tree).build()
    services.rollup_refresh(all_months=True)
    with CaptureQueriesContext(connection) as big:
        assert client.get(url, {"split": "unit", **MARCH}).json()["total"]["counts"]["collected"] == 9
    assert len(small) == len(big)


def test_export_link_appears_when_the_exports_app_serves_it(client, known):
    from django.urls import NoReverseMatch

    tree = known.tree
    response = _dashboard(_client(client, tree), region=tree.district.pk, **MARCH)
    try:
        reverse("exports:new")
    except NoReverseMatch:
        assert response.context["export_url"] == ""
        return
    query = parse_qs(urlsplit(response.context["export_url"]).query)
    assert query == {
        "kind": ["satisfaction"],
        "region": [str(tree.district.pk)],
        "start": ["2026-03-01"],
        "end": ["2026-03-31"],
    }
