"""Demo volunteers: the service types, two organisations and a studio in 招宝山街道, a dozen
volunteers of 总浦桥社区 registered by the coordinator (徐静), and upcoming opportunities — one
published from a demo petition, so its timeline shows it. The demo resident (陈秀英) is left
unregistered, to walk the registration and a sign-up on a phone.

Seeding again finds the studio by name and adds nothing. Bulk volunteers belong to the benchmark
seeding (not built yet).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.demo import Scale
from grids import demo as grids_demo
from grids.models import Region
from volunteers import identity, services
from volunteers.models import Membership, Organisation, ServiceType, Volunteer, Wish

SERVICE_TYPES = (
    ("elderly", "助老"),
    ("disabled", "助残"),
    ("poverty", "助困"),
    ("study", "助学"),
    ("environment", "环境保护"),
    ("civility", "文明劝导"),
    ("emergency", "应急救援"),
)
STUDIO_NAME = "老潘修理工作室"
ORGANISATIONS = (
    ("招宝山街道志愿服务总队", Organisation.Kind.ORGANISATION),
    ("总浦桥社区“红帆”志愿服务队", Organisation.Kind.ORGANISATION),
    (STUDIO_NAME, Organisation.Kind.STUDIO),
)
PEOPLE = (
    ("潘国庆", ["维修", "电工"], ["elderly", "poverty"]),
    ("林雪梅", ["急救", "护理"], ["elderly", "disabled"]),
    ("陈浩宇", ["辅导", "英语"], ["study"]),
    ("张丽娟", ["心理疏导"], ["elderly", "disabled"]),
    ("王志鹏", ["驾驶"], ["elderly", "emergency"]),
    ("李佳琪", ["辅导", "绘画"], ["study"]),
    ("赵建国", ["维修"], ["poverty", "environment"]),
    ("吴秀英", ["烹饪"], ["elderly"]),
    ("孙俊杰", ["急救", "驾驶"], ["emergency"]),
    ("周文华", ["摄影"], ["civility", "environment"]),
    ("郑海燕", ["护理"], ["elderly", "disabled"]),
    ("何明", ["法律咨询"], ["poverty"]),
)


def demo_id(index: int) -> str:
    """A valid-looking number in Zhenhai (330211), born in the 1960s–90s, never a real person's."""
    born = dt.date(1962 + (index * 3) % 35, 1 + index % 12, 1 + index % 27)
    first17 = f"330211{born:%Y%m%d}9{index:02d}"
    return first17 + identity.check_digit(first17)


def seed(*, scale: Scale, stdout) -> None:
    types = _service_types()
    if Organisation.objects.filter(name=STUDIO_NAME).exists():
        stdout.write("volunteers: demo volunteers already present — skipped.")
        return
    user_model = get_user_model()
    coordinator = user_model.objects.filter(username="volunteer_coordinator").first()
    street = Region.objects.filter(code=grids_demo.ZHAOBAOSHAN_CODE).first()
    community = Region.objects.filter(code=grids_demo.ZONGPUQIAO_CODE).first()
    compound = Region.objects.filter(code=grids_demo.QINGCHUAN_CODE).first()
    if not (coordinator and street and community and compound):
        stdout.write("volunteers: the demo regions and logins are missing (grids, accounts) — skipped.")
        return
    organisations = [Organisation.objects.create(name=n, kind=k, region=street) for n, k in ORGANISATIONS]
    today = timezone.localdate()
    volunteers = []
    for index, (name, skills, codes) in enumerate(PEOPLE):
        volunteers.append(
            services.volunteer_register(
                actor=coordinator,
                real_name=name,
                phone=f"1375740{index:04d}",
                national_id=demo_id(index),
                region=compound if index % 2 else community,
                service_types=[types[c] for c in codes],
                skills=skills,
                availability=[
                    services.Window(index % 7, dt.time(9), dt.time(12)),
                    services.Window(5 + index % 2, dt.time(14), dt.time(17)),
                ],
                consent=True,
                insured_until=today + dt.timedelta(days=200) if index % 3 else None,
            )
        )
    for index, volunteer in enumerate(volunteers):
        role = Membership.Role.LEADER if index == 0 else Membership.Role.MEMBER
        Membership.objects.create(organisation=organisations[index % 2], volunteer=volunteer, role=role)
    Membership.objects.create(organisation=organisations[2], volunteer=volunteers[0], role=Membership.Role.MANAGER)
    created = _opportunities(coordinator, community, compound, types, organisations, volunteers)
    wishes = _wishes(user_model, community, compound)
    _hours(coordinator, community, volunteers)
    stdout.write(
        f"volunteers: {len(types)} service types, {len(organisations)} organisations and studios, "
        f"{len(volunteers)} volunteers, {created} upcoming opportunities, {wishes} micro-wishes."
    )


def _service_types() -> dict[str, ServiceType]:
    found = {t.code: t for t in ServiceType.objects.all()}
    for order, (code, name) in enumerate(SERVICE_TYPES):
        if code not in found:
            found[code] = ServiceType.objects.create(code=code, name=name, order=order * 10)
    return found


def _at(days: int, hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def _opportunities(coordinator, community, compound, types, organisations, volunteers) -> int:
    from petitions.models import Petition

    petition = Petition.objects.filter(region__path__startswith=community.path).order_by("id").first()
    plans = [
        ("陪独居老人聊天、读报", compound, "elderly", ["心理疏导"], 2, 10, 4, False, organisations[1], None),
        ("小区义务维修：小家电和水电", compound, "poverty", ["维修"], 3, 9, 3, True, organisations[1], None),
        ("周末作业辅导", community, "study", ["辅导"], 5, 14, 5, False, organisations[0], None),
        ("楼道杂物清理", compound, "environment", [], 4, 9, 6, False, None, petition),
    ]
    created = 0
    for title, region, code, skills, days, hour, places, insured, organisation, source in plans:
        opportunity = services.opportunity_create(
            user=coordinator,
            title=title,
            region=region,
            address="清川佳园" if region == compound else "总浦桥社区服务中心",
            service_type=types[code],
            skills=skills,
            start=_at(days, hour),
            end=_at(days, hour + 2),
            places=places,
            insurance_required=insured,
            organisation=organisation,
            petition=source,
        )
        created += 1
        if not insured:
            services.signup_create(volunteer=volunteers[created], opportunity=opportunity)
    return created


WISHES = (
    # title, pseudonym, story, how far along: 0 submitted, 1 on the wall, 2 claimed, 3 fulfilled, 4 confirmed
    ("一盏护眼台灯", "小林同学", "读初二，晚上在小桌上写作业，灯光太暗。", 1),
    ("一台电风扇", "王奶奶", "独居，夏天屋里闷热。", 1),
    ("一个新书包", "小陈同学", "书包背带断了，缝过好几次。", 1),
    ("一副老花镜", "李大伯", "看药盒上的字很吃力。", 2),
    ("一套小学数学辅导书", "小周同学", "", 3),
    ("一把助行拐杖", "张阿婆", "腿脚不便，想下楼晒太阳。", 4),
    ("一床厚棉被", "赵大爷", "旧被子已经不保暖。", 0),
)


def _wishes(user_model, community, compound) -> int:
    staff = user_model.objects.filter(username="community_staff").first()
    leader = user_model.objects.filter(username="grid_leader").first()
    giver = user_model.objects.filter(username="volunteer_coordinator").first()
    if not (staff and leader and giver):
        return 0
    for index, (title, pseudonym, story, stage) in enumerate(WISHES):
        wish = services.wish_submit(
            user=leader if index % 2 else staff,
            title=title,
            story=story,
            region=compound if index % 2 else community,
            pseudonym=pseudonym,
            resident_name=f"{pseudonym[0]}某某",
            source=Wish.Source.GRID if index % 2 else Wish.Source.VISIT,
        )
        if stage >= 1:
            wish = services.wish_verify(user=staff, wish=wish, accept=True)
        if stage >= 2:
            wish = services.wish_claim(
                user=giver, wish=wish, kind=Wish.Claimant.ORGANISATION, label="总浦桥社区“红帆”志愿服务队"
            )
        if stage >= 3:
            wish = services.wish_fulfil(user=giver, wish=wish, proof="志愿者上门送达，居民当面收下。")
        if stage >= 4:
            services.wish_confirm(user=staff, wish=wish)
    return len(WISHES)


def _hours(coordinator, community, volunteers) -> None:
    """Last month's paper sign-in sheets: approved for most, two awaiting approval; one certificate."""
    now = timezone.now()
    entries = []
    for index, volunteer in enumerate(volunteers[:8]):
        start = now - dt.timedelta(days=3 + index * 2, hours=2)
        entries.append(
            services.hours_record(
                user=coordinator,
                volunteer=volunteer,
                region=community,
                start=start,
                end=start + dt.timedelta(hours=2 + index % 3),
                note="社区敬老活动签到表",
            )
        )
    services.hours_decide(user=coordinator, entries=entries[:6], approve=True)
    services.certificate_issue(user=coordinator, volunteer=volunteers[0], issuer="总浦桥社区“红帆”志愿服务队")


def report(*, stdout) -> None:
    stdout.write(f"volunteers: {Volunteer.objects.count()} volunteers.")
