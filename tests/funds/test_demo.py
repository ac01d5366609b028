"""The demo funds: seeded through the services, balanced, and seeded once however often it runs."""

from io import StringIO

import pytest

from accounts import demo as accounts_demo
from core.demo import Scale
from funds import demo, selectors
from funds.models import Fund, LedgerTransaction
from grids import demo as grids_demo

pytestmark = pytest.mark.django_db


def test_demo_funds_are_seeded_once_and_reconcile():
    scale = Scale.parse("demo")
    for module in (grids_demo, accounts_demo):
        module.seed(scale=scale, stdout=StringIO())
    demo.seed(scale=scale, stdout=StringIO())
    assert Fund.objects.count() == 4
    posted = LedgerTransaction.objects.count()
    out = StringIO()
    demo.seed(scale=scale, stdout=out)
    assert "already present" in out.getvalue()
    assert LedgerTransaction.objects.count() == posted
    _checked, wrong, unbalanced = selectors.reconcile()
    assert not wrong and not unbalanced
    scholarship = Fund.objects.get(name=demo.SCHOLARSHIP)
    assert [i.year for i in selectors.arrears(scholarship)] == [2023]
    treatment = selectors.fund_figures(Fund.objects.get(name=demo.TREATMENT))
    assert (treatment.money_in, treatment.money_out) == (17_800_000, 10_500_000)


def test_the_demo_after_school_class_resolves_the_walls_lamp_wish():
    from funds.models import Project
    from volunteers import demo as volunteers_demo

    scale = Scale.parse("demo")
    for module in (grids_demo, accounts_demo, volunteers_demo):
        module.seed(scale=scale, stdout=StringIO())
    demo.seed(scale=scale, stdout=StringIO())
    project = Project.objects.get(title="四点半课堂")
    assert [w.title for w in project.wishes.all()] == ["一盏护眼台灯"]
