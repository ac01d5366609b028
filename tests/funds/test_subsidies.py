"""Subsidy programmes with their caps; projects applied for, reviewed, paid in tranches and assessed
with residents' satisfaction weighted by the setting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import DomainError
from funds import selectors, services
from funds.models import CapKind, Project, ProjectStatus
from tests.funds import factories

pytestmark = pytest.mark.django_db


def _programme(tree, kind=CapKind.PER_PROJECT, **caps):
    defaults = {
        CapKind.PER_PROJECT: {"cap_min_fen": 1_000_000, "cap_max_fen": 10_000_000},
        CapKind.PER_STATION: {"cap_min_fen": 2_000_000, "cap_max_fen": 3_000_000},
        CapKind.PER_SQUARE_METRE: {"cap_per_sqm_fen": 50_000},
    }[kind]
    fund = services.programme_create(
        user=None, name="公益创投", region=tree.street_a, purpose="公益创投", cap_kind=kind, **(caps or defaults)
    )
    factories.funded(fund=fund, fen=50_000_000)
    return fund


@pytest.mark.parametrize(("fen", "ok"), [(999_999, False), (1_000_000, True), (10_000_000, True), (10_000_001, False)])
def test_a_venture_grant_lies_between_10000_and_100000_yuan(tree, fen, ok):
    fund = _programme(tree)
    if ok:
        services.project_apply(user=None, fund=fund, applicant="镇海社工服务社", title="助老食堂", requested_fen=fen)
    else:
        with pytest.raises(DomainError, match="between 10,000.00 and 100,000.00 yuan"):
            services.project_apply(
                user=None, fund=fund, applicant="镇海社工服务社", title="助老食堂", requested_fen=fen
            )
        assert not Project.objects.exists()


def test_service_space_gets_at_most_500_yuan_a_square_metre(tree):
    fund = _programme(tree, CapKind.PER_SQUARE_METRE)
    area = Decimal("120.5")
    services.project_apply(
        user=None, fund=fund, applicant="总浦桥社区", title="邻里中心改建", requested_fen=6_025_000, area_sqm=area
    )
    with pytest.raises(DomainError, match="At most 500.00 yuan per square metre"):
        services.project_apply(
            user=None, fund=fund, applicant="总浦桥社区", title="邻里中心改建", requested_fen=6_025_001, area_sqm=area
        )


def test_an_approved_project_is_paid_in_tranches_never_above_the_grant_and_assessed(tree, settings):
    settings.FUNDS_SATISFACTION_WEIGHT = 0.6
    fund = _programme(tree)
    project = services.project_apply(
        user=None, fund=fund, applicant="镇海社工服务社", title="助老食堂", requested_fen=5_000_000
    )
    with pytest.raises(DomainError, match="cannot be done now"):
        services.tranche_pay(user=None, project=project, milestone="启动", amount_fen=1_000_000)
    with pytest.raises(DomainError, match="between"):
        services.project_review(user=None, project=project, approve=True, approved_fen=20_000_000)
    project = services.project_review(user=None, project=project, approve=True, approved_fen=4_000_000)
    services.tranche_pay(user=None, project=project, milestone="启动", amount_fen=2_000_000)
    services.tranche_pay(user=None, project=project, milestone="中期", amount_fen=1_500_000)
    with pytest.raises(DomainError, match="Only 5,000.00 yuan"):
        services.tranche_pay(user=None, project=project, milestone="结项", amount_fen=600_000)
    assert selectors.fund_figures(fund).money_out == 3_500_000
    project = services.project_assess(user=None, project=project, satisfaction_percent=95, staff_score=80)
    assert project.status == ProjectStatus.ASSESSED
    assert project.final_score == Decimal("89.00")  # 0.6 × 95 + 0.4 × 80
    with pytest.raises(DomainError):
        services.tranche_pay(user=None, project=project, milestone="结项", amount_fen=500_000)
