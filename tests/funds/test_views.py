"""The fund pages: public page with consent, the manager's journey, bad input answered 400 with
what was typed kept, scoping, the panel's vote page, and pinned query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from funds import selectors, services
from funds.models import Fund, FundKind, LedgerTransaction, PledgeKind, ProposalStatus
from tests.funds import factories
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(tree, client):
    user = grid_factories.user(role="fund_manager", region=tree.street_a)
    client.force_login(user)
    return user


def test_the_public_page_shows_money_in_out_and_balance_with_names_only_as_consented(tree, client, english):
    shy = factories.donor(region=tree.community_a, name="王小明", consent=False)
    fund = factories.named_fund(region=tree.community_a, donor_obj=shy, name="小明助学基金")
    services.receipt_record(
        user=None, fund=fund, amount_fen=300_000, donor=factories.donor(region=tree.community_a, name="镇海爱心企业")
    )
    proposal = services.proposal_create(
        user=None, fund=fund, amount_fen=100_000, recipient="困难学生李某", recipient_public=False
    )
    services.proposal_disburse(user=None, proposal=services.proposal_decide(user=None, proposal=proposal))
    body = client.get(reverse("funds:public_detail", args=[fund.pk])).content.decode()
    assert "¥3,000.00" in body and "¥1,000.00" in body and "¥2,000.00" in body
    assert "王小明" not in body and "An anonymous donor" in body
    assert "镇海爱心企业" in body
    assert "困难学生李某" not in body and "A beneficiary (not named)" in body


def test_the_front_door_has_a_funds_tile(client, db, english):
    body = client.get("/").content.decode()
    assert reverse("funds:public_list") in body


def test_a_manager_creates_a_named_fund_records_a_pledge_and_a_receipt_once(tree, client, manager):
    response = client.post(
        reverse("funds:manage_new"),
        {
            "kind": FundKind.NAMED,
            "name": "张先生奖学金",
            "region": tree.community_a.pk,
            "purpose": "奖学金",
            "donor_kind": "resident",
            "donor_name": "张先生",
            "donor_consent": "on",
            "quorum": 3,
            "majority_percent": 50,
        },
    )
    fund = Fund.objects.get(name="张先生奖学金")
    assert response.status_code == 302
    url = reverse("funds:manage_action", args=[fund.pk, "pledge"])
    pledge = {"pledge-kind": PledgeKind.YEARLY, "pledge-amount": "2000", "pledge-start_year": 2016, "pledge-key": "k1"}
    assert client.post(url, pledge).status_code == 302
    assert client.post(url, pledge).status_code == 302  # a double submit records the pledge once
    assert fund.pledges.count() == 1
    instalment = selectors.open_instalments(fund)[0]
    receipt = {"receipt-instalment": instalment.pk, "receipt-amount": "2,000.00", "receipt-key": "form-key-1"}
    url = reverse("funds:manage_action", args=[fund.pk, "receipt"])
    assert client.post(url, receipt).status_code == 302
    assert client.post(url, receipt).status_code == 302  # a double submit
    assert LedgerTransaction.objects.filter(idempotency_key="form-key-1").count() == 1
    assert selectors.fund_figures(fund).balance == 200_000


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-5", "Enter a positive amount."), ("1.234", "at most two decimals"), ("999999999", "at most 100,000,000")],
)
def test_a_bad_amount_answers_400_with_the_message_and_keeps_what_was_typed(
    tree, client, manager, english, amount, message
):
    fund = factories.micro_fund(region=tree.compound_a)
    url = reverse("funds:manage_action", args=[fund.pk, "proposal"])
    response = client.post(url, {"proposal-amount": amount, "proposal-recipient": "健身角修缮"})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "健身角修缮" in body
    assert not fund.proposals.exists()


def test_paying_more_than_is_held_answers_400_and_changes_nothing(tree, client, manager, english):
    fund = factories.micro_fund(region=tree.compound_a)
    factories.funded(fund=fund, fen=10_000)
    proposal = factories.approved(fund=fund, fen=20_000)
    response = client.post(reverse("funds:manage_action", args=[fund.pk, "disburse"]), {"disburse-item": proposal.pk})
    assert response.status_code == 400
    assert "Not enough money" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED


def test_a_fund_in_another_street_looks_like_one_that_does_not_exist(tree, client, manager):
    fund = factories.named_fund(region=tree.community_b)
    assert client.get(reverse("funds:manage_detail", args=[fund.pk])).status_code == 404
    assert client.post(reverse("funds:manage_action", args=[fund.pk, "receipt"]), {}).status_code == 404
    assert client.get(reverse("funds:manage_detail", args=[999_999])).status_code == 404


def test_a_panel_member_votes_once_on_the_page(tree, client, english):
    fund = factories.micro_fund(region=tree.compound_a)
    members = factories.panel(fund=fund, size=3)
    proposal = services.proposal_create(user=None, fund=fund, amount_fen=5_000, recipient="楼道照明改造")
    client.force_login(members[0].user)
    url = reverse("funds:vote", args=[proposal.pk])
    assert client.post(url, {"choice": "yes"}).status_code == 302
    response = client.post(url, {"choice": "no"})
    assert response.status_code == 400 and "already voted" in response.content.decode()
    proposal.refresh_from_db()
    assert (proposal.yes_votes, proposal.no_votes) == (1, 0)


def test_a_panel_member_of_another_fund_cannot_see_the_proposal(tree, client):
    fund = factories.micro_fund(region=tree.compound_a)
    factories.panel(fund=fund, size=1)
    proposal = services.proposal_create(user=None, fund=fund, amount_fen=5_000, recipient="楼道照明改造")
    other = factories.micro_fund(region=tree.compound_a)
    outsider = factories.panel(fund=other, size=1)[0].user
    client.force_login(outsider)
    assert client.get(reverse("funds:vote", args=[proposal.pk])).status_code == 404
    assert client.post(reverse("funds:vote", args=[proposal.pk]), {"choice": "yes"}).status_code == 404


def _many_funds(tree, count):
    for index in range(count):
        fund = factories.named_fund(region=tree.community_a, name=f"基金{index}")
        factories.funded(fund=fund, fen=1_000 + index)


def test_the_public_list_costs_the_same_queries_for_3_or_30_funds(tree, client, django_assert_num_queries):
    _many_funds(tree, 3)
    with django_assert_num_queries(2):  # the page, the region filter's choices
        assert client.get(reverse("funds:public_list")).status_code == 200
    _many_funds(tree, 27)
    with django_assert_num_queries(2):
        response = client.get(reverse("funds:public_list"))
    assert response.context["page"].has_more


def test_the_public_page_costs_a_fixed_number_of_queries(tree, client, django_assert_num_queries):
    fund = factories.micro_fund(region=tree.compound_a)
    factories.panel(fund=fund, size=3)
    for index in range(5):
        services.receipt_record(
            user=None, fund=fund, amount_fen=1_000, donor=factories.donor(region=tree.compound_a, name=f"居民{index}")
        )
    with django_assert_num_queries(5):
        assert client.get(reverse("funds:public_detail", args=[fund.pk])).status_code == 200


def test_the_manager_list_is_keyset_paginated_with_fixed_queries(tree, client, manager, django_assert_num_queries):
    _many_funds(tree, 3)
    # session, user, role assignments, unread notifications, the page's keys… one query for the page itself
    # and one for the region filter's choices
    with django_assert_num_queries(7):
        client.get(reverse("funds:manage_list"))
    _many_funds(tree, 27)
    with django_assert_num_queries(7):
        response = client.get(reverse("funds:manage_list"))
    assert len(response.context["page"].items) == 25
    with django_assert_num_queries(7):
        second = client.get(reverse("funds:manage_list"), {"after": response.context["page"].next_cursor})
    assert len(second.context["page"].items) == 5


def test_a_subsidy_programme_on_its_page_application_review_tranche_and_cap(tree, client, manager):
    from funds.models import CapKind, ProjectStatus
    from tests.petitions import factories as petition_factories

    fund = services.programme_create(
        user=None,
        name="公益创投",
        region=tree.street_a,
        purpose="公益创投",
        cap_kind=CapKind.PER_PROJECT,
        cap_min_fen=1_000_000,
        cap_max_fen=10_000_000,
    )
    factories.funded(fund=fund, fen=20_000_000)
    petition = petition_factories.petition(region=tree.grid_a)
    url = lambda action: reverse("funds:manage_action", args=[fund.pk, action])  # noqa: E731
    typed = {"apply-applicant": "镇海社工服务社", "apply-title": "助老食堂", "apply-petitions": petition.tracking_code}
    response = client.post(url("apply"), {**typed, "apply-amount": "150000"})
    assert response.status_code == 400
    assert (
        "between 10,000.00 and 100,000.00 yuan" in response.content.decode() and "助老食堂" in response.content.decode()
    )
    assert client.post(url("apply"), {**typed, "apply-amount": "50000"}).status_code == 302
    project = fund.projects.get()
    assert list(project.petitions.all()) == [petition]
    assert client.post(url("review"), {"review-item": project.pk, "review-decision": "approve"}).status_code == 302
    tranche = {"tranche-item": project.pk, "tranche-milestone": "启动", "tranche-amount": "20000"}
    assert client.post(url("tranche"), tranche).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.APPROVED
    assert selectors.fund_figures(fund).money_out == 2_000_000
    body = client.get(reverse("funds:public_detail", args=[fund.pk])).content.decode()
    assert "助老食堂" in body and "¥20,000.00 / ¥50,000.00" in body
    from funds.links import petition_projects

    assert [r.title for r in petition_projects(manager, petition)] == ["助老食堂 · 镇海社工服务社"]


def test_a_panel_members_home_lists_what_waits_for_their_vote(tree, client):
    fund = factories.micro_fund(region=tree.compound_a)
    members = factories.panel(fund=fund, size=2)
    voted = services.proposal_create(user=None, fund=fund, amount_fen=5_000, recipient="已投票的提案")
    services.vote_cast(user=members[0].user, proposal=voted, choice="yes")
    services.proposal_create(user=None, fund=fund, amount_fen=6_000, recipient="待投票的提案")
    client.force_login(members[0].user)
    body = client.get(reverse("accounts:role_home", args=["panel_member"])).content.decode()
    assert "待投票的提案" in body and "已投票的提案" not in body
