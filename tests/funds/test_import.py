import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from funds import selectors
from funds.models import LedgerTransaction
from tests.funds import factories

pytestmark = pytest.mark.django_db


def test_importing_the_same_file_twice_records_each_row_once(tree, tmp_path, capsys):
    fund = factories.micro_fund(region=tree.compound_a)
    sheet = tmp_path / "receipts.csv"
    sheet.write_text(
        f"key,fund,amount,donor,consent\nB-001,{fund.pk},1200.50,3号楼王先生,no\nB-002,{fund.pk},300,,\n",
        encoding="utf-8",
    )
    call_command("funds_import_receipts", str(sheet))
    call_command("funds_import_receipts", str(sheet))
    out = capsys.readouterr().out
    assert "2 receipts recorded, 0 already recorded" in out and "0 receipts recorded, 2 already recorded" in out
    assert selectors.fund_figures(fund).balance == 150_050
    assert LedgerTransaction.objects.filter(fund=fund).count() == 2


def test_bad_rows_are_refused_by_line_and_the_good_ones_recorded(tree, tmp_path, capsys):
    fund = factories.micro_fund(region=tree.compound_a)
    sheet = tmp_path / "receipts.csv"
    sheet.write_text(f"key,fund,amount\nC-1,{fund.pk},-5\nC-2,999999,10\nC-3,{fund.pk},0.001\nC-4,{fund.pk},10\n")
    with pytest.raises(CommandError, match="3 row"):
        call_command("funds_import_receipts", str(sheet))
    err = capsys.readouterr().err
    assert "line 2" in err and "line 3" in err and "line 4" in err
    assert selectors.fund_figures(fund).balance == 1_000
