"""The funds lists' FilterSet (public and managers'), a panel member leaving the panel, and a pledge
cancelled (what fell due and was not received reversed, never edited)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from funds import selectors, services
from funds.models import AccountKind, Entry, FundKind, LedgerTransaction, PledgeKind, TransactionKind
from grids.roles import Role
from tests.funds import factories
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db


# ----- FilterSet ------------------------------------------------------------------------------------


def _funds(tree):
    return {
        "scholarship": factories.named_fund(region=tree.community_a, name="陈老师奖学金", purpose="助学"),
        "lift": factories.micro_fund(region=tree.compound_a, purpose="加装电梯"),
        "far": factories.named_fund(region=tree.community_b, name="南一助老基金", purpose="助老"),
    }


def _names(response) -> set[str]:
    return {fund.name for fund in response.context["page"].items}


def test_the_public_list_filters_by_kind_words_and_region(tree, client):
    _funds(tree)
    url = reverse("funds:public_list")
    assert _names(client.get(url)) == {"陈老师奖学金", "清川佳园微基金", "南一助老基金"}
    assert _names(client.get(url, {"kind": FundKind.MICRO})) == {"清川佳园微基金"}
    assert _names(client.get(url, {"q": "助老"})) == {"南一助老基金"}  # the purpose
    assert _names(client.get(url, {"q": "奖学"})) == {"陈老师奖学金"}  # the name
    assert _names(client.get(url, {"region": tree.community_a.pk})) == {"陈老师奖学金", "清川佳园微基金"}
    assert _names(client.get(url, {"region": tree.street_b.pk, "kind": FundKind.NAMED})) == {"南一助老基金"}


@pytest.mark.parametrize(
    "params",
    [{"kind": "bogus"}, {"region": "abc"}, {"region": "999999999999"}, {"q": "长" * 51}, {"region": "-1"}],
)
def test_a_bad_filter_answers_400_with_the_form_and_no_funds(tree, client, params):
    _funds(tree)
    response = client.get(reverse("funds:public_list"), params)
    assert response.status_code == 400
    assert response.context["page"].items == []
    assert response.context["filterset"].form.errors


def test_a_managers_filter_narrows_their_scope_and_never_widens_it(tree, client):
    _funds(tree)
    manager = grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a)
    client.force_login(manager)
    url = reverse("funds:manage_list")
    assert _names(client.get(url)) == {"陈老师奖学金", "清川佳园微基金"}
    assert _names(client.get(url, {"kind": FundKind.NAMED})) == {"陈老师奖学金"}
    # A region outside the manager's scope is not a choice: refused like one that does not exist.
    response = client.get(url, {"region": tree.community_b.pk})
    assert response.status_code == 400 and response.context["page"].items == []
    assert "南一助老基金" not in response.content.decode()


def test_the_next_page_keeps_the_filters(tree, client):
    for index in range(25):
        factories.named_fund(region=tree.community_a, name=f"助学基金{index}")
    factories.micro_fund(region=tree.community_a)
    first = client.get(reverse("funds:public_list"), {"kind": FundKind.NAMED})
    assert len(first.context["page"].items) == 20 and "kind=named" in first.context["next_query"]
    second = client.get(reverse("funds:public_list") + "?" + first.context["next_query"])
    assert len(second.context["page"].items) == 5
    assert all(f.kind == FundKind.NAMED for f in second.context["page"].items)


def test_the_filtered_lists_cost_a_fixed_number_of_queries(tree, client, django_assert_num_queries):
    _funds(tree)
    with django_assert_num_queries(2):  # the page, the region choices
        client.get(reverse("funds:public_list"), {"kind": FundKind.NAMED, "q": "基金", "region": tree.district.pk})
    for index in range(10):
        factories.named_fund(region=tree.community_a, name=f"基金{index}")
    with django_assert_num_queries(2):
        client.get(reverse("funds:public_list"), {"kind": FundKind.NAMED, "q": "基金", "region": tree.district.pk})


# ----- a panel member leaves ------------------------------------------------------------------------


def test_a_member_who_left_cannot_vote_keeps_past_votes_and_may_come_back(tree, client):
    fund = factories.micro_fund(region=tree.compound_a, quorum=2)
    stays, leaves = factories.panel(fund=fund, size=2)
    first = services.proposal_create(user=None, fund=fund, amount_fen=5_000, recipient="楼道照明")
    services.vote_cast(user=leaves.user, proposal=first, choice="yes")
    manager = grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a)
    client.force_login(manager)
    response = client.post(reverse("funds:manage_action", args=[fund.pk, "panel_off"]), {"panel_off-item": leaves.pk})
    assert response.status_code == 302
    leaves.refresh_from_db()
    assert not leaves.active
    assert [m.pk for m in selectors.panel_of(fund)] == [stays.pk]
    second = services.proposal_create(user=None, fund=fund, amount_fen=5_000, recipient="绿化")
    with pytest.raises(DomainError, match="Only members of this fund's decision panel may vote"):
        services.vote_cast(user=leaves.user, proposal=second, choice="yes")
    # The vote cast while a member stays with its proposal and counts towards its decision.
    services.vote_cast(user=stays.user, proposal=first, choice="yes")
    assert services.proposal_decide(user=None, proposal=first).status == "approved"
    with pytest.raises(DomainError, match="already left the panel"):
        services.panel_member_deactivate(user=None, member=leaves)
    back = services.panel_member_add(user=None, fund=fund, member=leaves.user, represents="3号楼居民")
    assert back.pk == leaves.pk and back.active and back.represents == "3号楼居民"
    services.vote_cast(user=leaves.user, proposal=second, choice="no")


def test_removing_a_member_of_another_fund_is_refused(tree, client):
    fund = factories.micro_fund(region=tree.compound_a)
    other = factories.micro_fund(region=tree.compound_a)
    stranger = factories.panel(fund=other, size=1)[0]
    factories.panel(fund=fund, size=1)
    client.force_login(grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a))
    response = client.post(reverse("funds:manage_action", args=[fund.pk, "panel_off"]), {"panel_off-item": stranger.pk})
    assert response.status_code == 400
    stranger.refresh_from_db()
    assert stranger.active


# ----- a pledge is cancelled -----------------------------------------------------------------------


def _yearly(tree, years_ago: int = 3, amount: int = 200_000):
    fund = factories.named_fund(region=tree.community_a)
    this_year = timezone.localdate().year
    pledge = services.pledge_record(
        user=None,
        fund=fund,
        donor=fund.donor,
        kind=PledgeKind.YEARLY,
        amount_fen=amount,
        start_year=this_year - years_ago,
    )
    return fund, pledge


def test_cancelling_reverses_what_fell_due_and_was_not_received_and_stops_the_rest(tree):
    fund, pledge = _yearly(tree)  # four instalments: three years ago … this year
    first = pledge.instalments.order_by("year").first()
    services.receipt_record(user=None, fund=fund, amount_fen=200_000, instalment=first)
    second = pledge.instalments.order_by("year")[1]
    services.receipt_record(user=None, fund=fund, amount_fen=50_000, instalment=second)
    before = selectors.fund_figures(fund)
    assert (before.receivable, before.balance) == (3 * 200_000 - 50_000, 250_000)
    entries_before = list(Entry.objects.values_list("id", "amount_fen").order_by("id"))

    posted = services.pledge_cancel(user=None, pledge=pledge, reason="捐赠人迁居外地")
    assert [t.kind for t in posted] == [TransactionKind.PLEDGE_CANCEL] * 3  # the part-paid one and two unpaid
    after = selectors.fund_figures(fund)
    assert (after.receivable, after.balance, after.money_in) == (0, 250_000, 250_000)  # received money stays
    assert after.raised == 250_000
    # Nothing was edited: every earlier entry is still there, unchanged.
    assert (
        list(
            Entry.objects.filter(id__in=[i for i, _a in entries_before]).values_list("id", "amount_fen").order_by("id")
        )
        == entries_before
    )
    assert selectors.arrears(fund) == []
    pledge.refresh_from_db()
    assert pledge.cancelled_at and pledge.cancel_reason == "捐赠人迁居外地"
    # Nothing more falls due, however often beat runs.
    assert services.pledges_fall_due(year=timezone.localdate().year + 1) == 0
    assert not pledge.instalments.filter(year=timezone.localdate().year + 1).exists()
    checked, wrong, unbalanced = selectors.reconcile()
    assert checked and not wrong and not unbalanced


def test_a_cancelled_pledge_is_not_cancelled_twice_nor_reinstated_nor_paid(tree):
    fund, pledge = _yearly(tree, years_ago=0)
    instalment = pledge.instalments.get()
    (cancel,) = services.pledge_cancel(user=None, pledge=pledge, reason="撤回")
    with pytest.raises(DomainError, match="already cancelled"):
        services.pledge_cancel(user=None, pledge=pledge, reason="撤回")
    with pytest.raises(DomainError, match="not reinstated"):
        services.transaction_reverse(user=None, posted=cancel, reason="误操作")
    with pytest.raises(DomainError, match="Only 0.00 yuan is outstanding"):
        services.receipt_record(user=None, fund=fund, amount_fen=100, instalment=instalment)
    with pytest.raises(DomainError, match="Say why"):
        services.pledge_cancel(user=None, pledge=_yearly(tree)[1], reason=" ")
    assert LedgerTransaction.objects.filter(kind=TransactionKind.PLEDGE_CANCEL).count() == 1


def test_the_manager_page_cancels_a_pledge(tree, client):
    fund, pledge = _yearly(tree, years_ago=1)
    client.force_login(grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a))
    url = reverse("funds:manage_action", args=[fund.pk, "pledge_cancel"])
    refused = client.post(url, {"pledge_cancel-item": pledge.pk, "pledge_cancel-reason": ""})
    assert refused.status_code == 400
    assert client.post(url, {"pledge_cancel-item": pledge.pk, "pledge_cancel-reason": "捐赠人撤回"}).status_code == 302
    assert selectors.fund_figures(fund).receivable == 0
    assert fund.accounts.get(kind=AccountKind.RECEIVABLE).balance_fen == 0
    # Gone from the form: a second post names a pledge that is no longer a choice.
    again = client.post(url, {"pledge_cancel-item": pledge.pk, "pledge_cancel-reason": "再次"})
    assert again.status_code == 400


@pytest.mark.parametrize(
    "after", ["x" * 3000, "-1", "99999999999999999999999", "|", "🚧", "9999-12-31T23:59:59+00:00|1"]
)
def test_an_extreme_page_cursor_answers_a_page_or_a_4xx(tree, client, after):
    _funds(tree)
    manager = grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a)
    assert client.get(reverse("funds:public_list"), {"after": after, "kind": "named"}).status_code < 500
    client.force_login(manager)
    assert client.get(reverse("funds:manage_list"), {"after": after}).status_code < 500
