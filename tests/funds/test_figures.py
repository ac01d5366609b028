import datetime as dt

import pytest
from django.utils import timezone

from funds import figures, services
from funds.models import PledgeKind
from tests.funds import factories

pytestmark = pytest.mark.django_db


def test_fund_flows_are_summed_over_the_regions_funds(tree):
    fund = factories.named_fund(region=tree.community_a)
    services.pledge_record(
        user=None, fund=fund, donor=fund.donor, kind=PledgeKind.YEARLY, amount_fen=200_000, start_year=2016
    )
    factories.funded(fund=fund, fen=500_000)
    services.proposal_disburse(user=None, proposal=factories.approved(fund=fund, fen=120_000))
    elsewhere = factories.named_fund(region=tree.community_b)
    factories.funded(fund=elsewhere, fen=999_900)
    month = timezone.localdate().replace(day=1)
    result = figures.section(user=None, region=tree.street_a, start=month, end=month)
    values = {f.key: f.value for f in result.figures}
    late_years = timezone.localdate().year - 2016
    assert values == {
        "funds_in": "¥5,000.00",
        "funds_out": "¥1,200.00",
        "funds_held": "¥3,800.00",
        "funds_arrears": f"¥{late_years * 2000:,}.00",
    }
    last_year = figures.section(user=None, region=tree.street_a, start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 1))
    assert {f.key: f.value for f in last_year.figures}["funds_in"] == "¥0.00"
