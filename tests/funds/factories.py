"""Factories for funds: a donor, a named fund, a micro-fund with a panel."""

from __future__ import annotations

from funds import services
from funds.models import DonorKind, FundKind
from tests.grids import factories as grid_factories


def donor(*, region, name: str = "宁波某公司", kind: str = DonorKind.COMPANY, consent: bool = True):
    return services.donor_create(user=None, kind=kind, name=name, region=region, consent_public=consent)


def named_fund(*, region, donor_obj=None, purpose: str = "助学", name: str = "爱心助学基金"):
    donor_obj = donor_obj or donor(region=region)
    return services.fund_create(
        user=None, kind=FundKind.NAMED, name=name, region=region, purpose=purpose, donor=donor_obj
    )


def micro_fund(*, region, purpose: str = "加装电梯", target_fen: int = 5_000_000, quorum: int = 3, majority: int = 50):
    return services.fund_create(
        user=None,
        kind=FundKind.MICRO,
        name="清川佳园微基金",
        region=region,
        purpose=purpose,
        target_fen=target_fen,
        quorum=quorum,
        majority_percent=majority,
    )


def panel(*, fund, size: int = 3, region=None):
    members = []
    for index in range(size):
        user = grid_factories.user(role="panel_member", region=region or fund.region)
        members.append(services.panel_member_add(user=None, fund=fund, member=user, represents=f"{index + 1}号楼居民"))
    return members


def funded(*, fund, fen: int, purpose: str | None = None):
    return services.receipt_record(user=None, fund=fund, amount_fen=fen, purpose=purpose)


def approved(*, fund, fen: int, purpose: str | None = None, recipient: str = "楼道照明改造"):
    proposal = services.proposal_create(user=None, fund=fund, amount_fen=fen, recipient=recipient, purpose=purpose)
    return services.proposal_decide(user=None, proposal=proposal)
