"""The export pages: what will be exported, streamed CSV/XLSX read back, scoping, masking, the log,
bad input, and other people's or expired exports."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.models import PersonalDataReveal
from exports import forms, services
from exports.models import ExportJob, Status
from grids.roles import Role
from petitions import services as petition_services
from petitions.models import Evaluation, Petition
from tests.exports.helpers import content, handled, item, read_csv, read_xlsx
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db

SATISFACTION_HEADER = [
    "Tracking code",
    "Filed at",
    "Category",
    "Channel",
    "Region",
    "Handling unit",
    "Status",
    "Replied at",
    "Replied on time",
    "Rework count",
    "Escalations",
    "Latest evaluation",
    "Evaluated by",
    "Evaluated at",
    "Comment",
    "Resident's name",
    "Resident's phone",
]


@pytest.fixture
def people(tree):
    def person(role, where, **extra):
        return grid_factories.user(role=role, region=getattr(tree, where), **extra)

    return {
        "district": person(Role.DISTRICT_STAFF, "district"),
        "street_a": person(Role.STREET_STAFF, "street_a"),
        "community_a": person(Role.COMMUNITY_STAFF, "community_a"),
        "evaluator": person(Role.EVALUATOR, "district"),
        "grid_leader": person(Role.GRID_LEADER, "grid_a"),
        "handler": person(Role.HANDLER, "street_a", unit=tree.unit_a),
    }


@pytest.fixture
def items(tree, people):
    """Four items filed today in the district, one merged, one filed last year."""
    staff = people["district"]
    satisfied = handled(
        item(tree.grid_a, 1, title="路灯不亮"),
        staff=staff,
        unit=tree.unit_a,
        rating=Evaluation.Rating.SATISFIED,
        comment="很满意，谢谢！",
    )
    reworked = handled(item(tree.grid_a, 2), staff=staff, unit=tree.unit_a, rating=Evaluation.Rating.UNSATISFIED)
    reworked = petition_services.petition_reply(user=staff, petition=reworked, reply="再次修复。")
    petition_services.petition_evaluate(
        petition=reworked, rating=Evaluation.Rating.BASIC, comment="=HYPERLINK(1)", source=Evaluation.Source.RESIDENT
    )
    waiting = item(tree.grid_b, 3)
    merged = item(tree.grid_a, 4, attach_to=satisfied)
    old = item(tree.grid_a, 5)
    Petition.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    return {"satisfied": satisfied, "reworked": reworked, "waiting": waiting, "merged": merged, "old": old}


def _today() -> str:
    return timezone.localdate().isoformat()


def _satisfaction_url(region, start=None, end=None) -> str:
    query = {"kind": "satisfaction", "region": region.pk, "start": start or _today(), "end": end or _today()}
    return reverse("exports:new") + "?" + urlencode(query)


def _export(client, user, url, **post):
    client.force_login(user)
    return client.post(url, {"format": "csv", **post})


def test_satisfaction_csv_streams_with_bom_and_every_figure(client, tree, people, items, english):
    response = _export(client, people["district"], _satisfaction_url(tree.district))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="satisfaction-{tree.district.code}-' in response["Content-Disposition"]
    rows = read_csv(content(response))
    assert rows[0] == SATISFACTION_HEADER
    by_code = {row[0]: dict(zip(SATISFACTION_HEADER, row, strict=True)) for row in rows[1:]}
    satisfied, reworked, waiting = items["satisfied"], items["reworked"], items["waiting"]
    assert set(by_code) == {satisfied.tracking_code, reworked.tracking_code, waiting.tracking_code}

    row = by_code[satisfied.tracking_code]
    assert row["Filed at"] == timezone.localtime(satisfied.created_at).strftime("%Y-%m-%d %H:%M")
    assert row["Category"] == satisfied.category.name_en
    assert row["Channel"] == "Public web form"
    assert (row["Region"], row["Handling unit"]) == ("网格A", "招宝山城管中队")
    assert row["Status"] == "Closed"
    assert row["Replied at"] == timezone.localtime(satisfied.replied_at).strftime("%Y-%m-%d %H:%M")
    assert row["Replied on time"] == "Yes"
    assert (row["Rework count"], row["Escalations"]) == ("0", "0")
    assert (row["Latest evaluation"], row["Evaluated by"]) == ("Satisfied", "Resident")
    assert row["Comment"] == "很满意，谢谢！"
    assert (row["Resident's name"], row["Resident's phone"]) == ("陈**", "139****0001")

    row = by_code[reworked.tracking_code]
    assert (row["Status"], row["Rework count"]) == ("Closed", "1")
    assert row["Latest evaluation"] == "Basically satisfied"  # the second evaluation, not the first
    assert row["Comment"] == "'=HYPERLINK(1)"  # a spreadsheet must not run it as a formula

    row = by_code[waiting.tracking_code]
    assert (row["Status"], row["Latest evaluation"], row["Evaluated by"]) == ("Awaiting triage", "Not evaluated", "")
    assert (row["Replied at"], row["Replied on time"], row["Handling unit"]) == ("", "", "")


def test_the_csv_keeps_chinese_intact(zh_client, tree, people, items):
    rows = read_csv(content(_export(zh_client, people["district"], _satisfaction_url(tree.district))))
    with translation.override("zh-hans"):
        assert rows[0] == [translation.gettext(h) for h in SATISFACTION_HEADER]
        closed = translation.gettext("Closed")  # 已办结 once the catalogues are compiled
    row = next(r for r in rows if r[0] == items["satisfied"].tracking_code)
    assert row[2] == items["satisfied"].category.name_zh == "道路设施"
    assert (row[4], row[5], row[6], row[14]) == ("网格A", "招宝山城管中队", closed, "很满意，谢谢！")


def test_satisfaction_xlsx_reads_back(client, tree, people, items, english):
    response = _export(client, people["district"], _satisfaction_url(tree.district), format="xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = read_xlsx(content(response))
    assert rows[0] == SATISFACTION_HEADER
    assert len(rows) == 4
    row = next(r for r in rows if r[0] == items["satisfied"].tracking_code)
    assert row[9] == 0 and isinstance(row[9], int)  # figures stay numbers in Excel
    assert row[14] == "很满意，谢谢！" and row[15] == "陈**"
    row = next(r for r in rows if r[0] == items["reworked"].tracking_code)
    assert row[14] == "'=HYPERLINK(1)"


def test_street_staff_export_holds_their_street_only(client, tree, people, items, english):
    user = people["street_a"]
    rows = read_csv(content(_export(client, user, _satisfaction_url(tree.street_a))))
    assert {r[0] for r in rows[1:]} == {items["satisfied"].tracking_code, items["reworked"].tracking_code}

    # Another street, or the whole district, is not theirs: refused like a region that does not exist.
    for region in (tree.street_b, tree.district):
        response = _export(client, user, _satisfaction_url(region))
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
    assert ExportJob.objects.filter(user=user).count() == 1

    # The petition list: the queue's filters narrow inside their scope, never beyond it.
    url = reverse("exports:new") + "?kind=petitions"
    rows = read_csv(content(_export(client, user, url)))
    expected = {items[k].tracking_code for k in ("satisfied", "reworked", "merged", "old")}
    assert {r[0] for r in rows[1:]} == expected
    # (their street's merged and last year's items are in the list too: the list has no date range)
    # Another street's region is refused like one that does not exist, its name never shown.
    outside = _export(client, user, url + f"&region={tree.street_b.pk}")
    assert outside.status_code == 400 and "Select a valid choice" in outside.content.decode()
    assert tree.street_b.name not in outside.content.decode()


def test_petition_list_uses_the_queue_filters(client, tree, people, items, english):
    user = people["district"]
    url = reverse("exports:new") + "?" + urlencode({"kind": "petitions", "status": "new", "sort": "oldest"})
    rows = read_csv(content(_export(client, user, url)))
    assert rows[0][:3] == ["Tracking code", "Filed at", "Title"]
    assert [r[0] for r in rows[1:]] == [items["waiting"].tracking_code, items["old"].tracking_code]
    waiting = rows[1]
    assert waiting[6] == "Awaiting triage" and waiting[8] == "网格B"
    assert waiting[17:] == ["陈**", "139****0003", ""]

    url = reverse("exports:new") + "?" + urlencode({"kind": "petitions", "status": "merged"})
    rows = read_csv(content(_export(client, user, url)))
    assert [r[0] for r in rows[1:]] == [items["merged"].tracking_code]


def test_the_page_says_what_will_be_exported(client, tree, people, items, english):
    client.force_login(people["district"])
    response = client.get(_satisfaction_url(tree.district))
    page = response.content.decode()
    assert response.status_code == 200
    assert "镇海区" in page and f"{_today()} – {_today()}" in page
    assert "Rows to export: 3. The file downloads directly." in page
    assert 'name="reveal"' in page  # district staff may choose to see personal data

    url = (
        reverse("exports:new")
        + "?"
        + urlencode({"kind": "petitions", "status": ["new", "closed"], "open": "false"}, doseq=True)
    )
    page = client.get(url).content.decode()
    assert "Awaiting triage、Closed" in page and "Open items only" in page


def test_masking_and_the_reveal_log(client, tree, people, items, english):
    url = _satisfaction_url(tree.district)
    # The evaluator may export but never see personal data: no choice offered, a forged one ignored.
    client.force_login(people["evaluator"])
    assert 'name="reveal"' not in client.get(url).content.decode()
    rows = read_csv(content(client.post(url, {"format": "csv", "reveal": "on"})))
    assert {r[16] for r in rows[1:]} == {"139****0001", "139****0002", "139****0003"}
    assert not PersonalDataReveal.objects.exists()

    # District staff unmask on request: each item in the file is logged as a reveal in their name.
    staff = people["district"]
    rows = read_csv(content(_export(client, staff, url, reveal="on")))
    assert {(r[15], r[16]) for r in rows[1:]} == {
        ("陈秀英", "13912340001"),
        ("陈秀英", "13912340002"),
        ("陈秀英", "13912340003"),
    }
    reveals = PersonalDataReveal.objects.filter(user=staff)
    assert sorted(reveals.values_list("object_id", flat=True)) == sorted(
        [items["satisfied"].pk, items["reworked"].pk, items["waiting"].pk]
    )
    assert set(reveals.values_list("object_type", "fields")) == {("petitions.petition", "reporter_name,reporter_phone")}
    # Without asking, their export is masked too.
    rows = read_csv(content(_export(client, staff, url)))
    assert rows[1][15].endswith("*")

    # Community staff may reveal in their community, not in the street above it.
    community = people["community_a"]
    client.force_login(community)
    response = client.get(
        reverse("exports:new") + "?" + urlencode({"kind": "petitions", "region": tree.community_a.pk})
    )
    assert 'name="reveal"' in response.content.decode()


def test_each_export_is_logged(client, tree, people, items, english):
    staff = people["district"]
    content(_export(client, staff, _satisfaction_url(tree.district), reveal="on"))
    _export(client, staff, reverse("exports:new") + "?kind=petitions&status=new&utm=x", format="xlsx")
    data = {"region": [str(tree.district.pk)], "start": [_today()], "end": [_today()]}
    params = forms.parse_params(user=staff, kind="satisfaction", data=data)
    abandoned = services.export_start(user=staff, params=params, format="csv").stream
    next(abandoned)
    abandoned.close()  # the browser gave up after the header
    jobs = list(ExportJob.objects.filter(user=staff).order_by("created_at"))
    logged = [(j.kind, j.format, j.status, j.streamed, j.masked, j.total_rows, j.progress_rows) for j in jobs]
    assert logged == [
        ("satisfaction", "csv", Status.DONE, True, False, 3, 3),
        ("petitions", "xlsx", Status.DONE, True, True, 2, 2),
        ("satisfaction", "csv", Status.DONE, True, True, 3, 0),
    ]
    assert [j.finished_at is not None for j in jobs] == [True, True, False]  # the last never finished
    assert jobs[0].params == {"region": [str(tree.district.pk)], "start": [_today()], "end": [_today()]}
    assert jobs[1].params == {"status": ["new"]}
    assert jobs[0].ip_address == "127.0.0.1"


def test_awkward_text_survives_the_csv(client, tree, people, english):
    staff = people["district"]
    petition = handled(item(tree.grid_a, 7), staff=staff, unit=tree.unit_a)
    comment = '第一行，有逗号\n第二行 "引号" ; 还有\ttab'
    petition_services.petition_evaluate(
        petition=petition, rating=Evaluation.Rating.SATISFIED, comment=comment, source=Evaluation.Source.RESIDENT
    )
    for fmt, read in (("csv", read_csv), ("xlsx", read_xlsx)):
        rows = read(content(_export(client, staff, _satisfaction_url(tree.district), format=fmt)))
        assert len(rows) == 2 and rows[1][14] == comment.strip()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": "satisfaction", "start": "2026-13-01", "end": "2026-01-31"}, "Enter a valid date."),
        (
            {"kind": "satisfaction", "start": "2026-02-01", "end": "2026-01-31"},
            "The end date is before the start date.",
        ),
        ({"kind": "satisfaction", "start": "2024-01-01", "end": "2025-06-30"}, "Export at most 366 days at a time."),
        (
            {"kind": "satisfaction", "region": "abc", "start": "2026-01-01", "end": "2026-01-31"},
            "Select a valid choice",
        ),
        ({"kind": "satisfaction", "start": "9999-12-31", "end": "9999-12-31"}, "Enter a date between 1900-01-01"),
        ({"kind": "petitions", "filed_to": "9999-12-31"}, "Enter a date between 1900-01-01 and 2199-12-31."),
        ({"kind": "petitions", "region": "999999999"}, "Region: Select a valid choice."),
        ({"kind": "lottery"}, "Unknown kind of export."),
        ({"kind": "petitions", "status": "bogus"}, "Select a valid choice. bogus is not one of the available choices."),
        ({"kind": "petitions", "category": "no-such"}, "Select a valid choice."),
        ({"kind": "petitions", "unit": "abc"}, "Handling unit: Select a valid choice."),
    ],
)
def test_bad_input_is_a_clear_error_never_a_500(client, tree, people, english, query, message):
    query = {"region": str(tree.district.pk), **query}
    client.force_login(people["district"])
    url = reverse("exports:new") + "?" + urlencode(query)
    for response in (client.get(url), client.post(url, {"format": "csv"})):
        assert response.status_code == 400
        page = response.content.decode()
        assert message in page
        assert 'id="export-errors"' in page
    assert not ExportJob.objects.exists()
    if query["kind"] == "satisfaction":  # what the user typed is still in the form
        assert f'value="{query["start"]}"' in page


def test_bad_format_is_refused_on_the_page(client, tree, people, items, english):
    client.force_login(people["district"])
    response = client.post(_satisfaction_url(tree.district), {"format": "pdf"})
    assert response.status_code == 400
    assert "Select a valid choice. pdf is not one of the available choices." in response.content.decode()
    assert not ExportJob.objects.exists()


def test_who_may_export(client, tree, people):
    url = reverse("exports:new") + "?kind=petitions"
    for name in ("grid_leader", "handler"):
        client.force_login(people[name])
        assert client.get(url).status_code == 404
        assert client.post(url, {"format": "csv"}).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_chooser_and_last_month_by_default(client, tree, people, english):
    client.force_login(people["street_a"])
    page = client.get(reverse("exports:new")).content.decode()
    assert "?kind=satisfaction" in page and reverse("petitions:queue") in page
    response = client.get(reverse("exports:new") + "?kind=satisfaction")
    assert response.status_code == 200
    form = response.context["satisfaction_form"]
    today = timezone.localdate()
    assert form.initial["end"] == today.replace(day=1) - dt.timedelta(days=1)
    assert form.initial["start"] == form.initial["end"].replace(day=1)
    assert form.initial["region"] == tree.street_a.pk


def test_the_queue_offers_the_export_of_its_current_list(client, tree, people, items, english):
    client.force_login(people["street_a"])
    page = client.get(reverse("petitions:queue") + "?status=new").content.decode()
    assert reverse("exports:new") + "?kind=petitions&amp;status=new" in page
    client.force_login(people["grid_leader"])
    assert "Export this list" not in client.get(reverse("petitions:queue")).content.decode()


# --- Background jobs through the pages (run in-process here; tests/exports/test_worker.py uses a worker) ---


def test_a_large_export_goes_to_the_background_and_downloads(client, tree, people, items, settings, english):
    settings.EXPORT_STREAM_MAX_ROWS = 2
    staff = people["district"]
    client.force_login(staff)
    page = client.get(_satisfaction_url(tree.district)).content.decode()
    assert "More than 2 rows: the file is prepared in the background" in page

    response = client.post(_satisfaction_url(tree.district), {"format": "csv"})
    job = ExportJob.objects.get(user=staff)
    assert response.status_code == 302 and response["Location"] == reverse("exports:detail", args=[job.pk])
    assert (job.status, job.streamed, job.enqueued_at is not None) == (Status.QUEUED, False, True)
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'aria-valuenow="0"' in page

    assert services.export_job_run(job_id=job.pk) == "done"

    partial = client.get(reverse("exports:progress", args=[job.pk])).content.decode()
    assert 'aria-valuenow="100"' in partial and "hx-trigger" not in partial
    assert "3 of 3 rows" in partial
    download = client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    rows = read_csv(content(download))
    assert len(rows) == 4 and rows[0] == SATISFACTION_HEADER


def test_other_peoples_exports_are_not_found_and_expired_ones_are_gone(client, tree, people, items, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 0
    owner, other = people["district"], people["street_a"]
    _export(client, owner, _satisfaction_url(tree.district))
    job = ExportJob.objects.get(user=owner)
    services.export_job_run(job_id=job.pk)

    client.force_login(other)
    for name in ("exports:detail", "exports:progress", "exports:download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404

    client.force_login(owner)
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 200
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 410
    assert 'data-testid="export-gone"' in response.content.decode()
    assert services.export_sweep()["expired"] == 1
    job.refresh_from_db()
    assert job.status == Status.EXPIRED and not (services.export_dir() / job.file_name).exists()
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 410


def test_my_exports_list_is_mine_with_fixed_queries(client, tree, people, items, settings, django_assert_num_queries):
    staff = people["district"]
    for _ in range(3):
        _export(client, staff, _satisfaction_url(tree.district))
    _export(client, people["street_a"], _satisfaction_url(tree.street_a))
    client.force_login(staff)
    with django_assert_num_queries(6):
        response = client.get(reverse("exports:list"))
    assert len(response.context["jobs"]) == 3
    for _ in range(3):
        _export(client, staff, _satisfaction_url(tree.district))
    client.force_login(staff)
    with django_assert_num_queries(6):
        response = client.get(reverse("exports:list"))
    assert len(response.context["jobs"]) == 6


def test_the_progress_partial_is_one_cheap_page(client, tree, people, items, settings, django_assert_num_queries):
    settings.EXPORT_STREAM_MAX_ROWS = 0
    staff = people["district"]
    _export(client, staff, _satisfaction_url(tree.district))
    job = ExportJob.objects.get()
    client.force_login(staff)
    # session, user, role assignments, the OTP middleware's device check, the job
    with django_assert_num_queries(5):
        response = client.get(reverse("exports:progress", args=[job.pk]))
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("kind", ["satisfaction", "petitions"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("reveal", [False, True])
def test_every_kind_format_and_masking_exports_defused_cells(client, tree, people, english, kind, fmt, reveal):
    """Each export kind, in each format, masked or revealed: it answers a file, every cell a
    spreadsheet could run as a formula is defused (after masking), and a reveal is logged per item."""
    staff = people["district"]
    tree.unit_a.name = "@单位"
    tree.unit_a.save(update_fields=["name"])
    petition = handled(
        item(tree.grid_a, 8, reporter_name="=SUM(1)", address="+1 清川佳园3幢"),
        staff=staff,
        unit=tree.unit_a,
        rating=Evaluation.Rating.SATISFIED,
        comment="-2+3",
    )
    url = _satisfaction_url(tree.district) if kind == "satisfaction" else reverse("exports:new") + "?kind=petitions"
    response = _export(client, staff, url, format=fmt, **({"reveal": "on"} if reveal else {}))
    assert response.status_code == 200, response.content[:500]
    rows = (read_csv if fmt == "csv" else read_xlsx)(content(response))
    cells = [str(cell) for row in rows[1:] for cell in row]
    assert petition.tracking_code in cells
    risky = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert not risky, risky
    assert "'@单位" in cells
    assert ("'=SUM(1)" in cells) == reveal and ("'=****" in cells) == (not reveal)
    reveals = PersonalDataReveal.objects.filter(user=staff, object_id=petition.pk)
    assert reveals.exists() == reveal
