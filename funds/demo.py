"""Demo funds like the seed's: a company's 178,000-yuan fund for one resident's treatment, a
resident's 2,000-yuan-a-year scholarship fund since 2016 (with a year in arrears), and a compound's
crowdfunded micro-fund for a lift with its decision panel, one proposal paid and one being voted on.

Every row is written through ``funds.services`` (so the ledger balances and the audit is kept).
A fund is found by its name: seeding again adds nothing. Bulk scales add nothing here (benchmark
ledger data is not built yet)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from core.demo import Scale
from funds import services
from funds.models import CapKind, DonorKind, Fund, FundKind, PledgeKind, VoteChoice
from grids import demo as grids_demo
from grids.models import Region
from grids.roles import Role
from grids.services import role_assign

TREATMENT = "爱心企业医疗救助基金"
SCHOLARSHIP = "陈老师奖学金"
LIFT = "清川佳园加装电梯微基金"
VENTURE = "招宝山街道公益创投补助"


def seed(*, scale: Scale, stdout) -> None:
    community = Region.objects.filter(code=grids_demo.ZONGPUQIAO_CODE).first()
    compound = Region.objects.filter(code=grids_demo.QINGCHUAN_CODE).first()
    if community is None or compound is None:
        stdout.write("funds: the demo region tree is missing — skipped.")
        return
    manager = get_user_model().objects.filter(username=Role.FUND_MANAGER.value).first()
    created = []
    if not Fund.objects.filter(name=TREATMENT).exists():
        _treatment(community, manager)
        created.append(TREATMENT)
    if not Fund.objects.filter(name=SCHOLARSHIP).exists():
        _scholarship(community, manager)
        created.append(SCHOLARSHIP)
    if not Fund.objects.filter(name=LIFT).exists():
        _lift(compound, manager)
        created.append(LIFT)
    street = Region.objects.filter(code=grids_demo.ZHAOBAOSHAN_CODE).first()
    if street is not None and not Fund.objects.filter(name=VENTURE).exists():
        _venture(street, manager)
        created.append(VENTURE)
    if created:
        stdout.write(f"funds: created {len(created)} demo funds ({', '.join(created)}).")
    else:
        stdout.write("funds: demo funds already present — skipped.")


def _treatment(region: Region, manager) -> None:
    donor = services.donor_create(
        user=manager, kind=DonorKind.COMPANY, name="镇海爱心实业有限公司", region=region, consent_public=True
    )
    fund = services.fund_create(
        user=manager,
        kind=FundKind.NAMED,
        name=TREATMENT,
        region=region,
        purpose="居民重病治疗",
        donor=donor,
        description="企业冠名基金，定向资助一位社区居民的治疗。",
    )
    year = timezone.localdate().year
    pledge = services.pledge_record(
        user=manager, fund=fund, donor=donor, kind=PledgeKind.ONCE, amount_fen=17_800_000, start_year=year
    )
    services.receipt_record(
        user=manager,
        fund=fund,
        amount_fen=17_800_000,
        instalment=pledge.instalments.get(),
        idempotency_key="demo:treatment:receipt",
    )
    for amount, what in ((6_000_000, "第一期治疗费用"), (4_500_000, "第二期治疗费用")):
        proposal = services.proposal_create(
            user=manager, fund=fund, amount_fen=amount, recipient=what, recipient_public=False
        )
        services.proposal_disburse(user=manager, proposal=services.proposal_decide(user=manager, proposal=proposal))


def _scholarship(region: Region, manager) -> None:
    donor = services.donor_create(
        user=manager, kind=DonorKind.RESIDENT, name="陈老师", region=region, consent_public=True
    )
    fund = services.fund_create(
        user=manager,
        kind=FundKind.NAMED,
        name=SCHOLARSHIP,
        region=region,
        purpose="奖学金",
        donor=donor,
        description="退休教师自2016年起每年捐资2000元，奖励社区品学兼优的学生。",
    )
    pledge = services.pledge_record(
        user=manager, fund=fund, donor=donor, kind=PledgeKind.YEARLY, amount_fen=200_000, start_year=2016
    )
    last_year = timezone.localdate().year - 1
    for instalment in pledge.instalments.order_by("year"):
        if instalment.year in (2023,) or instalment.year > last_year:
            continue  # 2023 left in arrears; this year's is not due yet
        services.receipt_record(
            user=manager,
            fund=fund,
            amount_fen=instalment.amount_fen,
            instalment=instalment,
            idempotency_key=f"demo:scholarship:{instalment.year}",
        )
    for year in range(2017, last_year + 1):
        proposal = services.proposal_create(
            user=manager, fund=fund, amount_fen=150_000, recipient=f"{year}年度社区奖学金（3名学生）"
        )
        services.proposal_disburse(user=manager, proposal=services.proposal_decide(user=manager, proposal=proposal))


def _panel_user(username: str, name: str, region: Region):
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model.objects.create(username=username, first_name=name, password=make_password(DEMO_PASSWORD))
        role_assign(user=user, role=Role.PANEL_MEMBER, region=region)
    return user


def _lift(region: Region, manager) -> None:
    fund = services.fund_create(
        user=manager,
        kind=FundKind.MICRO,
        name=LIFT,
        region=region,
        purpose="老旧小区加装电梯",
        target_fen=30_000_000,
        quorum=3,
        majority_percent=50,
        description="小区居民、物业和共建单位众筹，为3号楼和5号楼加装电梯。",
    )
    members = []
    panel_member = get_user_model().objects.filter(username=Role.PANEL_MEMBER.value).first()
    seats = [(panel_member, "总浦桥社区居民代表")] if panel_member else []
    seats += [
        (_panel_user("panel_member_2", "林美华", region), "3号楼居民"),
        (_panel_user("panel_member_3", "黄建国", region), "5号楼居民"),
        (_panel_user("panel_member_4", "蒋丽", region), "物业与共建单位"),
    ]
    for user, represents in seats:
        members.append(services.panel_member_add(user=manager, fund=fund, member=user, represents=represents))
    gifts = [
        ("清川佳园业主委员会", DonorKind.ORGANISATION, True, 5_000_000),
        ("宁波某物业服务有限公司", DonorKind.COMPANY, True, 8_000_000),
        ("3号楼王先生", DonorKind.RESIDENT, False, 200_000),
        ("5号楼居民李女士", DonorKind.RESIDENT, True, 150_000),
        ("镇海区慈善总会", DonorKind.ORGANISATION, True, 6_000_000),
    ]
    for index, (name, kind, consent, fen) in enumerate(gifts):
        donor = services.donor_create(user=manager, kind=kind, name=name, region=region, consent_public=consent)
        services.receipt_record(
            user=manager, fund=fund, amount_fen=fen, donor=donor, idempotency_key=f"demo:lift:{index}"
        )
    paid = services.proposal_create(user=manager, fund=fund, amount_fen=1_200_000, recipient="3号楼电梯井道勘测与设计")
    for member, choice in zip(members[1:], (VoteChoice.YES, VoteChoice.YES, VoteChoice.NO), strict=True):
        services.vote_cast(user=member.user, proposal=paid, choice=choice)
    services.proposal_disburse(user=manager, proposal=services.proposal_decide(user=manager, proposal=paid))
    voting = services.proposal_create(
        user=manager, fund=fund, amount_fen=9_000_000, recipient="3号楼电梯设备采购首付款"
    )
    services.vote_cast(user=members[1].user, proposal=voting, choice=VoteChoice.YES)


def _venture(region: Region, manager) -> None:
    """A street's venture-philanthropy programme (10,000–100,000 yuan a project): one project paid
    its first tranche, one assessed, one waiting for review."""
    fund = services.programme_create(
        user=manager,
        name=VENTURE,
        region=region,
        purpose="公益创投",
        cap_kind=CapKind.PER_PROJECT,
        cap_min_fen=1_000_000,
        cap_max_fen=10_000_000,
    )
    treasury = services.donor_create(
        user=manager, kind=DonorKind.ORGANISATION, name="镇海区财政局", region=region, consent_public=True
    )
    services.receipt_record(
        user=manager, fund=fund, amount_fen=30_000_000, donor=treasury, idempotency_key="demo:venture:budget"
    )
    canteen = services.project_apply(
        user=manager, fund=fund, applicant="镇海区乐龄社工服务社", title="总浦桥社区助老食堂", requested_fen=8_000_000
    )
    canteen = services.project_review(user=manager, project=canteen, approve=True, approved_fen=6_000_000)
    services.tranche_pay(user=manager, project=canteen, milestone="项目启动", amount_fen=3_000_000)
    from volunteers.models import Wish

    # The after-school class resolves a pupil's micro-wish on the wall (when the volunteers' demo seeded it).
    lamp = Wish.objects.filter(title="一盏护眼台灯", region_path__startswith=region.path).order_by("id")[:1]
    tutoring = services.project_apply(
        user=manager,
        fund=fund,
        applicant="招宝山青年志愿者协会",
        title="四点半课堂",
        requested_fen=2_000_000,
        wishes=list(lamp),
    )
    tutoring = services.project_review(user=manager, project=tutoring, approve=True)
    services.tranche_pay(user=manager, project=tutoring, milestone="项目启动", amount_fen=1_000_000)
    services.tranche_pay(user=manager, project=tutoring, milestone="结项", amount_fen=1_000_000)
    services.project_assess(user=manager, project=tutoring, satisfaction_percent=97, staff_score=85)
    services.project_apply(
        user=manager, fund=fund, applicant="清川佳园业主委员会", title="楼道微更新", requested_fen=3_500_000
    )
