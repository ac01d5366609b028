"""Community micro-funds: target and progress, the decision panel's votes (quorum and majority per
panel, one vote per member, non-members refused), and spending only after an approved decision,
only from that purpose, never below zero."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from funds import selectors, services
from funds.models import ProposalStatus, Vote, VoteChoice
from tests.funds import factories
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db


def _proposal(fund, fen=100_000, purpose=None):
    return services.proposal_create(user=None, fund=fund, amount_fen=fen, recipient="楼道照明改造", purpose=purpose)


def test_crowdfunding_shows_progress_against_the_target(tree):
    fund = factories.micro_fund(region=tree.compound_a, target_fen=5_000_000)
    factories.funded(fund=fund, fen=1_250_000)
    factories.funded(fund=fund, fen=750_000)
    assert selectors.fund_figures(fund).money_in == 2_000_000
    assert fund.target_fen == 5_000_000


def test_a_proposal_approved_by_quorum_and_majority_is_paid_once(tree):
    fund = factories.micro_fund(region=tree.compound_a, quorum=3, majority=50)
    members = factories.panel(fund=fund, size=4)
    factories.funded(fund=fund, fen=500_000)
    proposal = _proposal(fund)
    services.vote_cast(user=members[0].user, proposal=proposal, choice=VoteChoice.YES)
    services.vote_cast(user=members[1].user, proposal=proposal, choice=VoteChoice.YES)
    with pytest.raises(DomainError, match="Not enough money|cannot be paid out"):
        services.proposal_disburse(user=None, proposal=proposal)  # still voting
    with pytest.raises(DomainError, match="quorum"):
        services.proposal_decide(user=None, proposal=proposal)
    services.vote_cast(user=members[2].user, proposal=proposal, choice=VoteChoice.NO)
    proposal = services.proposal_decide(user=None, proposal=proposal)
    assert proposal.status == ProposalStatus.APPROVED
    services.proposal_disburse(user=None, proposal=proposal)
    with pytest.raises(DomainError):
        services.proposal_disburse(user=None, proposal=proposal)
    figures = selectors.fund_figures(fund)
    assert (figures.balance, figures.money_out) == (400_000, 100_000)


def test_a_tie_is_not_a_majority_and_the_proposal_is_rejected(tree):
    fund = factories.micro_fund(region=tree.compound_a, quorum=2, majority=50)
    members = factories.panel(fund=fund, size=2)
    proposal = _proposal(fund)
    services.vote_cast(user=members[0].user, proposal=proposal, choice=VoteChoice.YES)
    services.vote_cast(user=members[1].user, proposal=proposal, choice=VoteChoice.NO)
    assert services.proposal_decide(user=None, proposal=proposal).status == ProposalStatus.REJECTED
    with pytest.raises(DomainError):
        services.proposal_disburse(user=None, proposal=proposal)


def test_abstentions_count_as_cast_so_two_of_three_miss_a_67_percent_majority(tree):
    fund = factories.micro_fund(region=tree.compound_a, quorum=3, majority=67)
    members = factories.panel(fund=fund, size=3)
    proposal = _proposal(fund)
    for member, choice in zip(members, [VoteChoice.YES, VoteChoice.YES, VoteChoice.ABSTAIN], strict=True):
        services.vote_cast(user=member.user, proposal=proposal, choice=choice)
    assert services.proposal_decide(user=None, proposal=proposal).status == ProposalStatus.REJECTED


def test_a_non_member_and_a_second_vote_are_refused(tree):
    fund = factories.micro_fund(region=tree.compound_a)
    members = factories.panel(fund=fund, size=3)
    proposal = _proposal(fund)
    outsider = grid_factories.user(role="panel_member", region=tree.compound_a)
    with pytest.raises(DomainError, match="Only members"):
        services.vote_cast(user=outsider, proposal=proposal, choice=VoteChoice.YES)
    services.vote_cast(user=members[0].user, proposal=proposal, choice=VoteChoice.YES)
    with pytest.raises(DomainError, match="already voted"):
        services.vote_cast(user=members[0].user, proposal=proposal, choice=VoteChoice.NO)
    proposal.refresh_from_db()
    assert (proposal.yes_votes, proposal.no_votes, Vote.objects.count()) == (1, 0, 1)


def test_money_leaves_only_from_the_proposals_purpose_and_never_below_zero(tree):
    fund = factories.named_fund(region=tree.community_a, purpose="助学")
    factories.funded(fund=fund, fen=300_000)
    other_purpose = factories.approved(fund=fund, fen=100_000, purpose="助老")
    with pytest.raises(DomainError, match="No money is held"):
        services.proposal_disburse(user=None, proposal=other_purpose)
    too_much = factories.approved(fund=fund, fen=300_001)
    with pytest.raises(DomainError, match="Not enough money"):
        services.proposal_disburse(user=None, proposal=too_much)
    too_much.refresh_from_db()
    assert too_much.status == ProposalStatus.APPROVED
    assert selectors.fund_figures(fund).balance == 300_000


def test_a_named_fund_without_a_panel_is_decided_by_its_manager(tree):
    fund = factories.named_fund(region=tree.community_a)
    proposal = _proposal(fund)
    assert services.proposal_decide(user=None, proposal=proposal).status == ProposalStatus.APPROVED


def test_only_a_micro_fund_has_a_panel(tree):
    fund = factories.named_fund(region=tree.community_a)
    user = grid_factories.user(role="panel_member", region=tree.community_a)
    with pytest.raises(DomainError, match="Only a community micro-fund"):
        services.panel_member_add(user=None, fund=fund, member=user, represents="居民")


def test_a_change_of_purpose_needs_the_donors_recorded_consent(tree):
    fund = factories.named_fund(region=tree.community_a, purpose="助学")
    factories.funded(fund=fund, fen=300_000)
    elderly = factories.approved(fund=fund, fen=100_000, purpose="助老")
    with pytest.raises(DomainError, match="consent"):
        services.purpose_change(
            user=None, fund=fund, from_purpose="助学", to_purpose="助老", amount_fen=100_000, consent=" "
        )
    with pytest.raises(DomainError, match="Not enough money"):
        services.purpose_change(
            user=None, fund=fund, from_purpose="助学", to_purpose="助老", amount_fen=300_001, consent="捐赠人书面同意"
        )
    moved = services.purpose_change(
        user=None,
        fund=fund,
        from_purpose="助学",
        to_purpose="助老",
        amount_fen=100_000,
        consent="捐赠人2026年12月1日书面同意",
    )
    assert moved.memo == "捐赠人2026年12月1日书面同意"
    services.proposal_disburse(user=None, proposal=elderly)
    figures = selectors.fund_figures(fund)
    assert (figures.balance, figures.money_out, figures.raised) == (200_000, 100_000, 300_000)
    assert selectors.purposes(fund) == ["助学"]
