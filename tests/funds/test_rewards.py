"""Rewards instead of subsidies (以奖代补): an organisation's approved service over a period
(volunteers.rewards), proposed → decided → paid from a subsidy programme on the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from funds import selectors, services
from funds.models import (
    Account,
    AccountKind,
    CapKind,
    Reward,
    RewardStatus,
    TransactionKind,
)
from grids.roles import Role
from tests.funds import factories
from tests.grids import factories as grid_factories
from tests.volunteers import factories as volunteer_factories
from volunteers import services as volunteer_services
from volunteers.models import Organisation
from volunteers.rewards import organisation_service, organisations_with_service

pytestmark = pytest.mark.django_db


def _programme(tree, fen: int = 1_000_000):
    fund = services.programme_create(
        user=None,
        name="以奖代补",
        region=tree.street_a,
        purpose="志愿服务奖励",
        cap_kind=CapKind.PER_PROJECT,
        cap_min_fen=100_000,
        cap_max_fen=10_000_000,
    )
    if fen:
        factories.funded(fund=fund, fen=fen)
    return fund


def _served(tree, organisation, *, days_ago: int, hours: int, approve: bool = True, coordinator=None):
    """``hours`` of service ``days_ago`` on one of the organisation's activities."""
    coordinator = coordinator or grid_factories.user(role=Role.VOLUNTEER_COORDINATOR, region=tree.street_a)
    activity = volunteer_factories.opportunity(region=tree.community_a, user=coordinator, organisation=organisation)
    volunteer = volunteer_factories.volunteer(region=tree.community_a)
    start = timezone.now() - dt.timedelta(days=days_ago)
    entry = volunteer_services.hours_record(
        user=coordinator,
        volunteer=volunteer,
        region=tree.community_a,
        start=start,
        end=start + dt.timedelta(hours=hours),
        opportunity=activity,
    )
    if approve:
        volunteer_services.hours_decide(user=coordinator, entries=[entry], approve=True)
    return entry


def _organisation(tree, name="蛟川志愿服务队"):
    return Organisation.objects.create(name=name, region=tree.community_a)


def _period(days: int = 30):
    today = timezone.localdate()
    return today - dt.timedelta(days=days), today


def test_the_summary_counts_only_approved_hours_on_the_organisations_own_activities_in_the_period(tree):
    team, other = _organisation(tree), _organisation(tree, "别的队")
    _served(tree, team, days_ago=3, hours=2)
    _served(tree, team, days_ago=5, hours=3)
    _served(tree, team, days_ago=4, hours=7, approve=False)  # awaiting approval
    _served(tree, team, days_ago=60, hours=11)  # before the period
    _served(tree, other, days_ago=2, hours=13)  # someone else's activity
    start, end = _period()
    service = organisation_service(organisation=team, start=start, end=end)
    assert (service.minutes, service.records, service.volunteers, service.activities) == (300, 2, 2, 2)
    assert service.hours == 5.0
    listed = {
        o.name: o.service_minutes for o in organisations_with_service(Organisation.objects.all(), start=start, end=end)
    }
    assert listed == {"蛟川志愿服务队": 300, "别的队": 780}


def test_a_reward_is_proposed_decided_and_paid_on_the_ledger(tree):
    fund, team = _programme(tree), _organisation(tree)
    _served(tree, team, days_ago=3, hours=10)
    start, end = _period()
    reward = services.reward_propose(
        user=None,
        fund=fund,
        organisation=team,
        period_start=start,
        period_end=end,
        amount_fen=40_000,
        reason="助老服务",
    )
    assert (reward.status, reward.minutes, reward.activities, reward.volunteers) == (RewardStatus.PROPOSED, 600, 1, 1)
    with pytest.raises(DomainError, match="cannot be done now"):
        services.reward_pay(user=None, reward=reward)  # not approved yet
    services.reward_decide(user=None, reward=reward, approve=True)
    posted = services.reward_pay(user=None, reward=reward)
    reward.refresh_from_db()
    assert reward.status == RewardStatus.PAID and reward.transaction == posted
    assert posted.kind == TransactionKind.DISBURSEMENT
    figures = selectors.fund_figures(fund)
    assert (figures.balance, figures.money_out) == (960_000, 40_000)
    with pytest.raises(DomainError, match="cannot be done now"):
        services.reward_pay(user=None, reward=reward)  # paid once
    # A reversal brings the money back and the reward back to approved; it may be paid again.
    services.transaction_reverse(user=None, posted=posted, reason="付错账户")
    reward.refresh_from_db()
    assert reward.status == RewardStatus.APPROVED and reward.transaction is None
    assert selectors.fund_figures(fund).balance == 1_000_000
    services.reward_pay(user=None, reward=reward)
    assert selectors.fund_figures(fund).balance == 960_000
    checked, wrong, unbalanced = selectors.reconcile()
    assert checked and not wrong and not unbalanced


def test_a_reward_never_takes_the_programme_below_zero(tree):
    fund, team = _programme(tree, fen=30_000), _organisation(tree)
    _served(tree, team, days_ago=3, hours=10)
    start, end = _period()
    reward = services.reward_propose(
        user=None, fund=fund, organisation=team, period_start=start, period_end=end, amount_fen=40_000, reason="助老"
    )
    services.reward_decide(user=None, reward=reward, approve=True)
    with pytest.raises(DomainError, match="Not enough money held"):
        services.reward_pay(user=None, reward=reward)
    reward.refresh_from_db()
    assert reward.status == RewardStatus.APPROVED
    assert Account.objects.get(fund=fund, kind=AccountKind.CASH).balance_fen == 30_000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount_fen": 50_001}, "At most 50.00 yuan per approved hour: 500.00 yuan for 10.0 hours"),
        ({"amount_fen": -5}, "Enter a positive amount"),
        ({"amount_fen": 10**15}, "at most 100,000,000 yuan"),
        ({"reason": "  "}, "Say what the reward is for"),
        ({"period_end": "future"}, "cannot end in the future"),
        ({"period_start": "after_end"}, "must end on or after"),
        ({"period_start": "long_ago"}, "at most one year"),
        ({"organisation": "idle"}, "no approved service hours"),
    ],
)
def test_a_bad_reward_is_refused_with_a_clear_message_and_nothing_recorded(tree, change, message):
    fund, team = _programme(tree), _organisation(tree)
    _served(tree, team, days_ago=3, hours=10)
    start, end = _period()
    today = timezone.localdate()
    kwargs = {"period_start": start, "period_end": end, "amount_fen": 40_000, "reason": "助老", "organisation": team}
    kwargs.update(change)
    if change.get("period_end") == "future":
        kwargs["period_end"] = today + dt.timedelta(days=1)
    if change.get("period_start") == "after_end":
        kwargs["period_start"] = end + dt.timedelta(days=1)
    if change.get("period_start") == "long_ago":
        kwargs["period_start"] = today - dt.timedelta(days=400)
    if change.get("organisation") == "idle":
        kwargs["organisation"] = _organisation(tree, "没服务的队")
    with pytest.raises(DomainError, match=message):
        services.reward_propose(user=None, fund=fund, **kwargs)
    assert not Reward.objects.exists()


def test_the_same_period_is_rewarded_once_unless_the_first_was_rejected(tree):
    fund, team = _programme(tree), _organisation(tree)
    _served(tree, team, days_ago=3, hours=10)
    start, end = _period()
    args = {"user": None, "fund": fund, "organisation": team, "period_start": start, "period_end": end}
    first = services.reward_propose(**args, amount_fen=10_000, reason="助老")
    with pytest.raises(DomainError, match="already has a reward for that period"):
        services.reward_propose(**args, amount_fen=10_000, reason="助老")
    services.reward_decide(user=None, reward=first, approve=False)
    second = services.reward_propose(**args, amount_fen=20_000, reason="助老（复议）")
    assert second.status == RewardStatus.PROPOSED


def test_only_a_subsidy_programme_pays_rewards(tree):
    fund, team = factories.micro_fund(region=tree.community_a), _organisation(tree)
    _served(tree, team, days_ago=3, hours=10)
    start, end = _period()
    with pytest.raises(DomainError, match="paid from a subsidy programme"):
        services.reward_propose(
            user=None, fund=fund, organisation=team, period_start=start, period_end=end, amount_fen=100, reason="x"
        )


def test_the_manager_page_proposes_decides_and_pays_and_the_public_page_shows_it(tree, client):
    manager = grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a)
    fund, team = _programme(tree), _organisation(tree)
    _served(tree, team, days_ago=3, hours=10)
    start, end = _period()
    client.force_login(manager)
    url = lambda action: reverse("funds:manage_action", args=[fund.pk, action])  # noqa: E731
    page = client.get(reverse("funds:manage_detail", args=[fund.pk]))
    assert page.status_code == 200 and "蛟川志愿服务队" in page.content.decode()
    data = {
        "reward-organisation": team.pk,
        "reward-period_start": start.isoformat(),
        "reward-period_end": end.isoformat(),
        "reward-amount": "900",
        "reward-reason": "全年助老服务",
    }
    refused = client.post(url("reward"), data)
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "At most 50.00 yuan per approved hour" in body and "全年助老服务" in body  # what was typed stays
    assert client.post(url("reward"), {**data, "reward-amount": "400"}).status_code == 302
    reward = Reward.objects.get()
    assert (
        client.post(
            url("reward_decide"), {"reward_decide-item": reward.pk, "reward_decide-decision": "approve"}
        ).status_code
        == 302
    )
    assert client.post(url("reward_pay"), {"reward_pay-item": reward.pk}).status_code == 302
    reward.refresh_from_db()
    assert reward.status == RewardStatus.PAID
    public = client.get(reverse("funds:public_detail", args=[fund.pk])).content.decode()
    assert "Rewards paid to volunteer organisations" in public and "蛟川志愿服务队" in public and "400.00" in public


def test_an_organisation_outside_the_programmes_region_cannot_be_chosen(tree, client):
    manager = grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a)
    fund = _programme(tree)
    far = Organisation.objects.create(name="外区队", region=tree.community_b)
    client.force_login(manager)
    start, end = _period()
    response = client.post(
        reverse("funds:manage_action", args=[fund.pk, "reward"]),
        {
            "reward-organisation": far.pk,
            "reward-period_start": start.isoformat(),
            "reward-period_end": end.isoformat(),
            "reward-amount": "10",
            "reward-reason": "x",
        },
    )
    assert response.status_code == 400
    assert not Reward.objects.exists()


def test_reward_actions_on_a_fund_that_is_not_a_programme_answer_404(tree, client):
    manager = grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a)
    fund = factories.micro_fund(region=tree.community_a)
    client.force_login(manager)
    assert client.post(reverse("funds:manage_action", args=[fund.pk, "reward_pay"]), {}).status_code == 404
