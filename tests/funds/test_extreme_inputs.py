"""Extreme values in every fund form, cursor and id: a page or a clear 4xx, never a 5xx, nothing
recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from funds.models import LedgerTransaction
from tests.funds import factories
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db

EXTREMES = ["-1", "0", "99999999999999999999999", "1e400", "NaN", "-Infinity", "0.001", "１２３", "x" * 3000, "\u0000"]


@pytest.fixture
def manager(tree, client):
    user = grid_factories.user(role="fund_manager", region=tree.street_a)
    client.force_login(user)
    return user


def test_extreme_values_in_every_form_answer_400(tree, client, manager):
    fund = factories.named_fund(region=tree.community_a)
    posted = LedgerTransaction.objects.count()
    fields = {
        "pledge": ["kind", "amount", "start_year", "end_year"],
        "receipt": ["instalment", "amount", "donor_name", "key"],
        "proposal": ["amount", "recipient", "purpose"],
        "panel": ["username", "represents"],
        "decide": ["item"],
        "disburse": ["item"],
        "reverse": ["item", "reason"],
        "apply": ["applicant", "title", "amount", "area_sqm", "petitions"],
        "review": ["item", "decision", "amount"],
        "tranche": ["item", "milestone", "amount"],
        "assess": ["item", "satisfaction", "staff_score"],
        "repurpose": ["from_purpose", "to_purpose", "amount", "consent"],
    }
    for action, names in fields.items():
        url = reverse("funds:manage_action", args=[fund.pk, action])
        for value in EXTREMES:
            status = client.post(url, {f"{action}-{name}": value for name in names}).status_code
            assert status in (302, 400), (action, value[:20], status)
    assert LedgerTransaction.objects.count() == posted
    new = reverse("funds:manage_new")
    for value in EXTREMES:
        data = dict.fromkeys(["kind", "name", "region", "purpose", "target", "cap_min", "cap_max", "quorum"], value)
        assert client.post(new, data).status_code == 400


def test_extreme_cursors_and_ids_never_fail(tree, client, manager):
    for name in ("funds:public_list", "funds:manage_list"):
        for value in [*EXTREMES, "2026-01-01|5", "|", "-5"]:
            assert client.get(reverse(name), {"after": value}).status_code == 200
    for pk in ("0", "99999999999999999999999"):
        assert client.get(f"/funds/{pk}/").status_code == 404
        assert client.get(f"/funds/manage/{pk}/").status_code == 404
        assert client.post(f"/funds/manage/{pk}/receipt/").status_code == 404
