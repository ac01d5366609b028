"""Named funds and pledges: receivables once per pledge and year (the beat task in the real worker,
run twice), receipts against them, arrears."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from core.errors import DomainError
from funds import selectors, services, tasks
from funds.models import Instalment, LedgerTransaction, PledgeKind
from tests.funds import factories

pytestmark = pytest.mark.django_db


def _yearly(fund, *, start: int, fen: int = 200_000, end=None):
    return services.pledge_record(
        user=None, fund=fund, donor=fund.donor, kind=PledgeKind.YEARLY, amount_fen=fen, start_year=start, end_year=end
    )


def test_a_yearly_pledge_since_2016_makes_each_year_due_and_past_years_are_arrears(tree):
    fund = factories.named_fund(region=tree.community_a)
    this_year = timezone.localdate().year
    pledge = _yearly(fund, start=2016)
    assert pledge.instalments.count() == this_year - 2016 + 1
    figures = selectors.fund_figures(fund)
    assert figures.receivable == figures.raised == 200_000 * (this_year - 2016 + 1)
    late = selectors.arrears(fund)
    assert [i.year for i in late] == list(range(2016, this_year))  # this year's is not due before 31 Dec
    first = late[0]
    services.receipt_record(user=None, fund=fund, amount_fen=200_000, instalment=first)
    assert 2016 not in [i.year for i in selectors.arrears(fund)]
    assert selectors.fund_figures(fund).balance == 200_000


def test_a_receipt_above_what_is_outstanding_is_refused_and_changes_nothing(tree):
    fund = factories.named_fund(region=tree.community_a)
    pledge = services.pledge_record(
        user=None, fund=fund, donor=fund.donor, kind=PledgeKind.ONCE, amount_fen=17_800_000, start_year=2026
    )
    instalment = pledge.instalments.get()
    services.receipt_record(user=None, fund=fund, amount_fen=10_000_000, instalment=instalment)
    before = LedgerTransaction.objects.count()
    with pytest.raises(DomainError, match="Only 78,000.00 yuan is outstanding"):
        services.receipt_record(user=None, fund=fund, amount_fen=7_800_001, instalment=instalment)
    assert LedgerTransaction.objects.count() == before
    assert services.instalment_outstanding(instalment) == 7_800_000


@pytest.mark.parametrize("fen", [0, -100, 10**13])
def test_bad_amounts_are_refused(tree, fen):
    fund = factories.named_fund(region=tree.community_a)
    with pytest.raises(DomainError):
        services.pledge_record(
            user=None, fund=fund, donor=fund.donor, kind=PledgeKind.ONCE, amount_fen=fen, start_year=2026
        )
    assert not Instalment.objects.exists()


def test_the_yearly_job_creates_next_years_receivable_once_however_often_it_runs(tree):
    fund = factories.named_fund(region=tree.community_a)
    this_year = timezone.localdate().year
    pledge = _yearly(fund, start=this_year - 1)
    ended = _yearly(fund, start=2016, end=this_year)
    assert services.pledges_fall_due(year=this_year + 1) == 1
    assert services.pledges_fall_due(year=this_year + 1) == 0
    assert pledge.instalments.filter(year=this_year + 1).count() == 1
    assert not ended.instalments.filter(year=this_year + 1).exists()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_run_twice_in_the_real_worker_makes_the_year_due_once(tree, celery_worker_process):
    fund = factories.named_fund(region=tree.community_a)
    this_year = timezone.localdate().year
    pledge = _yearly(fund, start=this_year)
    next_year = this_year + 1
    first = tasks.pledges_fall_due.delay(next_year)
    second = tasks.pledges_fall_due.delay(next_year)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not pledge.instalments.filter(year=next_year).exists():
        time.sleep(0.2)
    time.sleep(1.0)  # let the second run finish too
    assert first.id != second.id
    assert pledge.instalments.filter(year=next_year).count() == 1
    assert LedgerTransaction.objects.filter(idempotency_key=f"instalment:{pledge.pk}:{next_year}").count() == 1
    assert selectors.fund_figures(fund).receivable == 2 * 200_000
