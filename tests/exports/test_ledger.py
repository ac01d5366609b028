"""A fund's ledger for auditors (issue 17): CSV and XLSX through the export pages, fund managers of
the fund's region only, donors masked unless they consented, every export logged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exports.models import ExportJob, Kind
from funds import services
from funds.models import PledgeKind
from grids.roles import Role
from tests.exports.helpers import content, read_csv, read_xlsx
from tests.funds import factories
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db

HEADER = [
    "Posted at",
    "Transaction",
    "Kind",
    "Purpose",
    "Account",
    "Amount (yuan; debit +, credit −)",
    "Memo",
    "Donor",
    "Reverses",
]


@pytest.fixture
def fund(tree):
    fund = factories.named_fund(
        region=tree.community_a, donor_obj=factories.donor(region=tree.community_a, name="陈老师")
    )
    pledge = services.pledge_record(
        user=None, fund=fund, donor=fund.donor, kind=PledgeKind.ONCE, amount_fen=200_050, start_year=2026
    )
    services.receipt_record(user=None, fund=fund, amount_fen=200_050, instalment=pledge.instalments.get())
    shy = factories.donor(region=tree.community_a, name="王小明", consent=False)
    gift = services.receipt_record(user=None, fund=fund, amount_fen=10_000, donor=shy)
    services.transaction_reverse(user=None, posted=gift, reason="=重复录入")
    return fund


def _url(fund) -> str:
    return reverse("exports:new") + f"?kind={Kind.LEDGER}&fund={fund.pk}"


def test_a_fund_manager_exports_the_ledger_as_csv(client, tree, fund, english):
    client.force_login(grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a))
    page = client.get(_url(fund))
    assert page.status_code == 200 and "Rows to export: 8" in page.content.decode()
    response = client.post(_url(fund), {"format": "csv"})
    assert response.status_code == 200 and response.streaming
    rows = read_csv(content(response))
    assert rows[0] == HEADER
    amounts = [row[5] for row in rows[1:]]
    assert amounts == ["2000.50", "-2000.50", "2000.50", "-2000.50", "100.00", "-100.00", "-100.00", "100.00"]
    assert sum(round(float(a) * 100) for a in amounts) == 0
    donors = {row[7] for row in rows[1:]}
    assert donors == {"陈老师", "王**"}
    reversal = rows[-1]
    assert reversal[2] == "Reversal" and reversal[3] == "助学" and reversal[8] == rows[5][1]
    assert reversal[6].startswith("'=")  # defused: a spreadsheet does not run it
    assert ExportJob.objects.get().kind == Kind.LEDGER


def test_the_ledger_as_xlsx(client, tree, fund, english):
    client.force_login(grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a))
    rows = read_xlsx(content(client.post(_url(fund), {"format": "xlsx"})))
    assert rows[0] == HEADER and len(rows) == 9


def test_a_fund_outside_the_managers_region_is_not_a_choice(client, tree, fund, english):
    client.force_login(grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_b))
    response = client.post(_url(fund), {"format": "csv"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_staff_who_export_reports_cannot_export_a_ledger_and_managers_no_reports(client, tree, fund, english):
    client.force_login(grid_factories.user(role=Role.STREET_STAFF, region=tree.street_a))
    assert client.post(_url(fund), {"format": "csv"}).status_code == 400
    client.force_login(grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a))
    url = reverse("exports:new") + f"?kind=satisfaction&region={tree.street_a.pk}&start=2026-01-01&end=2026-01-31"
    response = client.post(url, {"format": "csv"})
    assert response.status_code == 400 and "You may not prepare this export." in response.content.decode()
    assert not ExportJob.objects.exists()
