"""The row functions the pages and the benchmark use: same rows by every path, scope checked, masking,
the CSV relayed from PostgreSQL's COPY in pieces, bounded counts."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from exports import forms, selectors
from grids.models import Region
from grids.roles import Role
from tests.exports.helpers import item, read_csv
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(tree):
    return [item(tree.grid_a if n % 2 else tree.grid_b, n) for n in range(5)]


def _dates():
    today = timezone.localdate()
    return {"start": today, "end": today}


def test_rows_csv_and_copy_agree(tree, five, english):
    staff = grid_factories.user(role=Role.DISTRICT_STAFF, region=tree.district)
    rows = list(selectors.satisfaction_rows(user=staff, region=tree.district, chunk_size=2, **_dates()))
    csv_rows = read_csv(b"".join(selectors.satisfaction_csv(user=staff, region=tree.district, **_dates())))
    assert csv_rows[0] == selectors.satisfaction_headers()
    assert [r[0] for r in rows] == [p.tracking_code for p in five]  # oldest first
    assert [["" if v is None else str(v) for v in r] for r in rows] == csv_rows[1:]
    assert {r[16] for r in rows} == {f"139****{n:04d}" for n in range(5)}


def test_unmasked_rows_only_for_people_who_may_reveal(tree, five, english):
    staff = grid_factories.user(role=Role.DISTRICT_STAFF, region=tree.district)
    evaluator = grid_factories.user(role=Role.EVALUATOR, region=tree.district)
    rows = selectors.satisfaction_rows(user=staff, region=tree.district, masked=False, **_dates())
    assert {r[16] for r in rows} == {f"1391234{n:04d}" for n in range(5)}
    rows = selectors.satisfaction_rows(user=evaluator, region=tree.district, masked=False, **_dates())
    assert {r[16] for r in rows} == {f"139****{n:04d}" for n in range(5)}


def test_a_region_outside_the_scope_is_not_found(tree, five):
    street = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    with pytest.raises(Region.DoesNotExist):
        list(selectors.satisfaction_rows(user=street, region=tree.street_b, **_dates()))
    with pytest.raises(Region.DoesNotExist):
        list(selectors.satisfaction_csv(user=street, region=tree.district, **_dates()))
    assert len(list(selectors.satisfaction_rows(user=street, region=tree.street_a, **_dates()))) == 2


def test_the_csv_comes_in_pieces_with_their_row_counts(tree, five, english):
    staff = grid_factories.user(role=Role.DISTRICT_STAFF, region=tree.district)
    params = forms.parse_params(
        user=staff,
        kind="satisfaction",
        data={"region": [str(tree.district.pk)], "start": [str(_dates()["start"])], "end": [str(_dates()["end"])]},
    )
    spec = selectors.export_spec(user=staff, params=params)
    pieces = list(selectors.csv_pieces(spec, piece_bytes=150))
    assert pieces[0] == (selectors.csv_header(spec.headers), 0)
    assert all(0 < len(data) < 150 * 2 for data, _rows in pieces[1:])
    assert len(pieces) > 2 and sum(rows for _data, rows in pieces) == 5
    assert pieces[0][0].startswith("\ufeff".encode())
    assert selectors.export_count(spec) == 5 and selectors.export_count(spec, limit=3) == 3


def test_labels_follow_the_language_of_the_export(tree, five):
    staff = grid_factories.user(role=Role.DISTRICT_STAFF, region=tree.district)
    with translation.override("en"):
        row = next(selectors.satisfaction_rows(user=staff, region=tree.district, **_dates()))
        assert (row[2], row[3], row[6]) == (five[0].category.name_en, "Public web form", "Awaiting triage")
    with translation.override("zh-hans"):
        row = next(selectors.satisfaction_rows(user=staff, region=tree.district, **_dates()))
        assert row[2] == five[0].category.name_zh
        assert row[3] == translation.gettext("Public web form")
