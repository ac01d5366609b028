"""The ledger's invariants: balanced transactions enforced by PostgreSQL (raw SQL too), posted entries
immutable, balances that are sums, idempotent receipts, and racing disbursements that cannot overdraw."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from core.errors import DomainError
from funds import selectors, services
from funds.models import Account, AccountKind, Entry, LedgerTransaction, PledgeKind, Proposal, ProposalStatus
from tests.funds import factories
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db


def _raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_an_unbalanced_transaction_through_raw_sql(tree):
    fund = factories.named_fund(region=tree.community_a)
    factories.funded(fund=fund, fen=10_000)
    account = Account.objects.get(fund=fund, kind=AccountKind.CASH)
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        _raw(
            "INSERT INTO funds_ledgertransaction (fund_id, kind, memo, posted_at) VALUES (%s, 'donation', '', now())"
            " RETURNING id",
            [fund.pk],
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT currval(pg_get_serial_sequence('funds_ledgertransaction', 'id'))")
            tx_id = cursor.fetchone()[0]
        _raw(
            "INSERT INTO funds_entry (transaction_id, account_id, amount_fen) VALUES (%s, %s, 500)", [tx_id, account.pk]
        )
        _raw("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT does for the deferred trigger


def test_a_balanced_raw_transaction_is_accepted(tree):
    fund = factories.named_fund(region=tree.community_a)
    factories.funded(fund=fund, fen=10_000)
    cash = Account.objects.get(fund=fund, kind=AccountKind.CASH)
    income = Account.objects.get(fund=fund, kind=AccountKind.INCOME)
    with transaction.atomic():
        posted = LedgerTransaction.objects.create(fund=fund, kind="donation")
        # One leg first: unbalanced in the middle of the transaction is fine, the check is deferred.
        Entry.objects.create(transaction=posted, account=cash, amount_fen=700)
        Entry.objects.create(transaction=posted, account=income, amount_fen=-700)
        _raw("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE funds_entry SET amount_fen = amount_fen + 1",
        "DELETE FROM funds_entry",
        "DELETE FROM funds_ledgertransaction",
    ],
)
def test_posted_entries_cannot_be_updated_or_deleted_even_through_raw_sql(tree, statement):
    fund = factories.named_fund(region=tree.community_a)
    factories.funded(fund=fund, fen=10_000)
    with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
        _raw(statement)
    assert selectors.entries_total(fund) == 0
    assert Entry.objects.filter(account__fund=fund).count() == 2


def test_a_correction_is_a_reversing_transaction(tree):
    fund = factories.named_fund(region=tree.community_a)
    receipt = factories.funded(fund=fund, fen=10_000)
    reversal = services.transaction_reverse(user=None, posted=receipt, reason="录入错误")
    assert reversal.reverses == receipt
    assert selectors.fund_figures(fund).balance == 0
    assert Entry.objects.filter(account__fund=fund).count() == 4  # nothing edited, two legs added
    with pytest.raises(DomainError, match="already been reversed"):
        services.transaction_reverse(user=None, posted=receipt, reason="again")
    with pytest.raises(DomainError, match="cannot be reversed"):
        services.transaction_reverse(user=None, posted=reversal, reason="undo")


def test_reversing_a_receipt_whose_money_was_spent_is_refused(tree):
    fund = factories.named_fund(region=tree.community_a)
    receipt = factories.funded(fund=fund, fen=10_000)
    services.proposal_disburse(user=None, proposal=factories.approved(fund=fund, fen=8_000))
    with pytest.raises(DomainError, match="Not enough money"):
        services.transaction_reverse(user=None, posted=receipt, reason="退款")
    assert selectors.fund_figures(fund).balance == 2_000


def test_a_retried_receipt_with_the_same_key_records_the_money_once(tree):
    fund = factories.named_fund(region=tree.community_a)
    first = services.receipt_record(user=None, fund=fund, amount_fen=5_000, idempotency_key="bank-20261207-001")
    again = services.receipt_record(user=None, fund=fund, amount_fen=5_000, idempotency_key="bank-20261207-001")
    assert first.pk == again.pk
    assert selectors.fund_figures(fund).balance == 5_000
    other = factories.named_fund(region=tree.community_a, name="另一基金")
    with pytest.raises(DomainError, match="idempotency key"):
        services.receipt_record(user=None, fund=other, amount_fen=5_000, idempotency_key="bank-20261207-001")


def test_reconcile_proves_every_balance_and_finds_a_tampered_one(tree, capsys):
    fund = factories.named_fund(region=tree.community_a)
    factories.funded(fund=fund, fen=12_345)
    call_command("funds_reconcile")
    assert "reconciled" in capsys.readouterr().out
    Account.objects.filter(fund=fund, kind=AccountKind.CASH).update(balance_fen=99)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="do not reconcile"):
        call_command("funds_reconcile")


class TestLedgerProperties(HypothesisTestCase):
    """Random sequences of pledges, receipts, disbursements and reversals keep every invariant."""

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(
                    ["pledge", "receipt", "donation", "disburse", "reverse", "repurpose", "disburse_other"]
                ),
                st.integers(min_value=1, max_value=5_000_00),
                st.integers(min_value=0, max_value=20),
            ),
            min_size=1,
            max_size=12,
        )
    )
    def test_invariants(self, steps):
        region = grid_factories.region(name="镇海区")
        fund = factories.named_fund(region=region)
        posted: list[LedgerTransaction] = []
        for action, fen, pick in steps:
            try:
                if action == "pledge":
                    services.pledge_record(
                        user=None, fund=fund, donor=fund.donor, kind=PledgeKind.ONCE, amount_fen=fen, start_year=2026
                    )
                elif action == "receipt":
                    instalments = selectors.open_instalments(fund)
                    if instalments:
                        target = instalments[pick % len(instalments)]
                        posted.append(
                            services.receipt_record(
                                user=None, fund=fund, amount_fen=min(fen, target.outstanding), instalment=target
                            )
                        )
                elif action == "donation":
                    posted.append(services.receipt_record(user=None, fund=fund, amount_fen=fen))
                elif action == "disburse":
                    proposal = factories.approved(fund=fund, fen=fen)
                    posted.append(services.proposal_disburse(user=None, proposal=proposal))
                elif action == "repurpose":
                    posted.append(
                        services.purpose_change(
                            user=None,
                            fund=fund,
                            from_purpose=fund.purpose,
                            to_purpose="助老",
                            amount_fen=fen,
                            consent="同意",
                        )
                    )
                elif action == "disburse_other":
                    proposal = factories.approved(fund=fund, fen=fen, purpose="助老")
                    posted.append(services.proposal_disburse(user=None, proposal=proposal))
                elif action == "reverse" and posted:
                    posted.append(
                        services.transaction_reverse(user=None, posted=posted[pick % len(posted)], reason="更正")
                    )
            except DomainError:
                pass  # a refused step changes nothing; the invariants below must still hold
            figures = selectors.fund_figures(fund)
            assert figures.balance >= 0
            assert all(a.balance_fen >= 0 for a in Account.objects.filter(fund=fund, kind=AccountKind.CASH))
            assert figures.receivable >= 0
            assert figures.money_in - figures.money_out == figures.balance
            assert selectors.entries_total(fund) == 0
            for instalment in selectors.open_instalments(fund):
                assert 0 < instalment.outstanding <= instalment.amount_fen
        checked, wrong, unbalanced = selectors.reconcile()
        assert not wrong and not unbalanced
        paid = sum(p.amount_fen for p in Proposal.objects.filter(fund=fund, status=ProposalStatus.PAID))
        assert selectors.fund_figures(fund).money_out == paid


@pytest.mark.django_db(transaction=True)
def test_two_racing_disbursements_cannot_overdraw(tree):
    fund = factories.named_fund(region=tree.community_a)
    factories.funded(fund=fund, fen=10_000)
    proposals = [factories.approved(fund=fund, fen=7_000, recipient=f"项目{i}") for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay(proposal):
        try:
            barrier.wait(timeout=10)
            services.proposal_disburse(user=None, proposal=proposal)
            outcomes.append("paid")
        except DomainError:
            outcomes.append("refused")
        except DatabaseError as error:  # pragma: no cover - would be a failure of the lock
            outcomes.append(f"error: {error}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(p,)) for p in proposals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["paid", "refused"]
    assert selectors.fund_figures(fund).balance == 3_000
    assert Proposal.objects.filter(fund=fund, status=ProposalStatus.PAID).count() == 1
