"""The funds API: the public fund data without signing in, as the public page shows it and nothing
more; the list filtered by the one FilterSet; bad input a 400, an unknown fund a 404."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from funds import services
from funds.models import FundKind
from tests.funds import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def _lift(tree):
    fund = factories.micro_fund(region=tree.compound_a)
    members = factories.panel(fund=fund, size=3)
    named = factories.donor(region=tree.compound_a, name="宁波某物业公司", consent=True)
    secret = factories.donor(region=tree.compound_a, name="王秘密", consent=False)
    services.receipt_record(user=None, fund=fund, amount_fen=300_000, donor=named)
    services.receipt_record(user=None, fund=fund, amount_fen=50_000, donor=secret)
    proposal = services.proposal_create(
        user=None, fund=fund, amount_fen=100_000, recipient="李大爷家门口扶手", recipient_public=False
    )
    for member in members:
        services.vote_cast(user=member.user, proposal=proposal, choice="yes")
    services.proposal_decide(user=None, proposal=proposal)
    services.proposal_disburse(user=None, proposal=proposal)
    return fund, members


def test_a_funds_public_data_is_readable_signed_out_and_holds_nothing_more(tree, api):
    fund, members = _lift(tree)
    response = api.get(reverse("funds_api:fund_detail", args=[fund.pk]))
    assert response.status_code == 200
    data = response.json()
    assert data["figures"] == {
        "money_in_fen": 350_000,
        "money_out_fen": 100_000,
        "balance_fen": 250_000,
        "pledged_to_come_fen": 0,
        "target_fen": 5_000_000,
        "progress_percent": 7,
    }
    assert [(i["donor"], i["amount_fen"]) for i in data["money_received"]] == [
        ("An anonymous donor", 50_000),
        ("宁波某物业公司", 300_000),
    ]
    assert data["projects_funded"][0]["recipient"] == "A beneficiary (not named)"
    assert data["panel_represents"] == ["1号楼居民", "2号楼居民", "3号楼居民"]
    text = json.dumps(data, ensure_ascii=False)
    for hidden in ("王秘密", "李大爷", "13912345678", *(m.user.username for m in members)):
        assert hidden not in text


def test_the_list_is_public_filtered_and_paged(tree, api):
    _lift(tree)
    for index in range(21):
        factories.named_fund(region=tree.community_a, name=f"助学基金{index}")
    first = api.get(reverse("funds_api:fund_list"), {"kind": FundKind.NAMED})
    assert first.status_code == 200
    body = first.json()
    assert len(body["results"]) == 20 and body["next"]
    assert all(row["kind"] == "named" for row in body["results"])
    second = api.get(body["next"])
    assert [row["name"] for row in second.json()["results"]] == ["助学基金0"] and second.json()["next"] is None
    lift = api.get(reverse("funds_api:fund_list"), {"q": "电梯"}).json()["results"]
    assert [row["name"] for row in lift] == ["清川佳园微基金"]
    assert lift[0]["url"].endswith(reverse("funds_api:fund_detail", args=[lift[0]["id"]]))


@pytest.mark.parametrize("params", [{"kind": "bogus"}, {"region": "abc"}, {"q": "长" * 51}, {"region": "99999999999"}])
def test_a_bad_filter_is_a_400_with_the_message(tree, api, params):
    response = api.get(reverse("funds_api:fund_list"), params)
    assert response.status_code == 400
    assert set(response.json()) <= {"kind", "region", "q"} and response.json()


@pytest.mark.parametrize("pk", ["0", "abc", str(2**63), "99999999"])
def test_an_unknown_fund_is_the_apis_json_404(tree, api, pk):
    response = api.get(f"/api/v1/funds/{pk}/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


def test_the_api_costs_a_fixed_number_of_queries(tree, api, django_assert_num_queries):
    fund, _members = _lift(tree)
    with django_assert_num_queries(1):  # the page (no form is drawn: the region is not looked up)
        api.get(reverse("funds_api:fund_list"))
    with django_assert_num_queries(2):  # and the region asked for, validated against the choices
        api.get(reverse("funds_api:fund_list"), {"region": tree.street_a.pk})
    # the fund, its figures, the receipts, the projects funded, the panel
    with django_assert_num_queries(5):
        api.get(reverse("funds_api:fund_detail", args=[fund.pk]))
    for index in range(5):
        services.receipt_record(user=None, fund=fund, amount_fen=1_000 + index)
    with django_assert_num_queries(5):
        api.get(reverse("funds_api:fund_detail", args=[fund.pk]))
