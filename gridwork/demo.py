"""Demo grid work for ``seed_demo``: a year of field days of the demo grid leader (王丽萍, 清川佳园第一网格)
with their findings, a few of them already filed as petitions through the real services.

And a year of residents' meetings in 总浦桥社区 recorded by its community worker (李建华): the monthly
民情议事会, the community's own "畅谈吧" every other week, a 小区说事会 in 清川佳园 each month, with
their resolutions, some filed as petitions (channel meeting).

Idempotent: a leader who already has field days gets none; meetings are added once. Bulk scales add
nothing here yet (the benchmark seeder for grid work is not written)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.demo import person_name as accounts_person_name
from core.demo import Scale
from grids import demo as grids_demo
from grids.models import Region, RoleAssignment
from grids.roles import Role
from gridwork import services
from gridwork.catalogue import HOURS, ITEMS
from gridwork.models import (
    FieldDay,
    Finding,
    Household,
    Meeting,
    MeetingKind,
    OpeningHours,
    ServiceCentre,
    ServiceItem,
    Station,
    StationActivity,
    StationMember,
    Visit,
)
from gridwork.reference import ensure_meeting_kinds
from petitions.models import Category

WEEKS = 52
FINDINGS = (
    ("street_light", "3幢楼前路灯不亮，老人晚上出门不便"),
    ("sanitation", "5幢东侧垃圾分类亭傍晚满溢"),
    ("parking", "2幢与3幢之间消防通道被占"),
    ("power", "7幢2单元楼道电线外皮破损"),
    ("greenery", "主干道香樟树枝遮挡监控"),
    ("elderly", "4幢独居老人希望社区助餐"),
    ("road", "北门外人行道地砖松动"),
    ("other", "小广场两台健身器材螺丝松动"),
)
NOTES = ("走访独居老人", "垃圾分类宣传", "检查消防通道", "收集居民意见", "楼道安全巡查", "")
FILED = 3  # the newest findings filed as petitions; the rest wait for the one-step button


def seed(*, scale: Scale, stdout) -> None:
    ensure_meeting_kinds()
    _seed_field_days(stdout)
    _seed_meetings(stdout)
    _seed_catalogue(stdout)
    _seed_households(stdout)
    _seed_stations(stdout)


def _seed_field_days(stdout) -> None:
    leader = get_user_model().objects.filter(username=Role.GRID_LEADER.value).first()
    assignment = (
        RoleAssignment.objects.filter(user=leader, role=Role.GRID_LEADER).select_related("region").first()
        if leader
        else None
    )
    if assignment is None:
        stdout.write("gridwork: the demo grid leader is missing (accounts) — skipped.")
        return
    if FieldDay.objects.filter(leader=leader).exists():
        stdout.write("gridwork: demo field days already present — skipped.")
        return
    days, findings = _field_days(leader, assignment.region)
    filed = _file_some(leader)
    stdout.write(f"gridwork: created {days} field days with {findings} findings, {filed} filed as petitions.")


def _field_days(leader, grid) -> tuple[int, int]:
    rng = random.Random(15)
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    days: list[FieldDay] = []
    for week in range(WEEKS, -1, -1):
        start = monday - dt.timedelta(weeks=week)
        # Most weeks three days, some two (sick leave, meetings), a few four; this week two so far.
        count = 2 if week == 0 else rng.choice((3, 3, 3, 3, 2, 4))
        weekdays = sorted(rng.sample(range(6), count))
        for offset in weekdays:
            date = start + dt.timedelta(days=offset)
            if date > today or (week == 0 and date == today):
                continue
            days.append(
                FieldDay(
                    leader=leader,
                    grid=grid,
                    region_path=grid.path,
                    date=date,
                    hours=Decimal(rng.choice(("3", "3.5", "4", "4.5", "5", "6"))),
                    households=rng.randint(4, 25),
                    notes=rng.choice(NOTES),
                )
            )
    FieldDay.objects.bulk_create(days)
    findings = [
        Finding(field_day=day, text=rng.choice(FINDINGS)[1])
        for day in FieldDay.objects.filter(leader=leader).order_by("date")
        if rng.random() < 0.35
    ]
    Finding.objects.bulk_create(findings)
    return len(days), len(findings)


def _file_some(leader) -> int:
    by_text = {text: code for code, text in FINDINGS}
    categories = {c.code: c for c in Category.objects.filter(code__in=by_text.values())}
    newest = Finding.objects.filter(field_day__leader=leader, petition__isnull=True).order_by("-field_day__date")
    filed = 0
    for finding in list(newest[1 : FILED + 1]):  # leave the very newest for the visitor to file
        category = categories.get(by_text.get(finding.text, ""))
        if category is not None:
            services.finding_file(user=leader, finding=finding, category=category)
            filed += 1
    return filed


LOCAL_KIND = ("changtan", "畅谈吧", "Chat bar (Zongpuqiao)")
TOPICS = (
    ("parking", "小区停车难", "在北门空地划定临时停车位"),
    ("sanitation", "垃圾分类投放点设置", "5幢东侧垃圾亭增加傍晚清运一次"),
    ("elderly", "老年助餐点", "社区食堂为80岁以上独居老人送餐"),
    ("greenery", "绿化带改造", "主干道绿化带改种低矮灌木"),
    ("property", "电梯维保", "物业每月公示电梯维保记录"),
    ("street_light", "楼道照明", "3幢至7幢楼道加装感应灯"),
    ("neighbourhood", "养犬文明", "设立文明养犬公约并张贴"),
)
PLACES = ("总浦桥社区议事厅", "清川佳园党群服务点", "社区文化家园")
OFFICIALS = "社区书记 李建华\n街道联系干部 张伟"
MEETINGS_FILED = 4


def _seed_meetings(stdout) -> None:
    staff = get_user_model().objects.filter(username=Role.COMMUNITY_STAFF.value).first()
    regions = {
        r.code: r for r in Region.objects.filter(code__in=(grids_demo.ZONGPUQIAO_CODE, grids_demo.QINGCHUAN_CODE))
    }
    community, compound = regions.get(grids_demo.ZONGPUQIAO_CODE), regions.get(grids_demo.QINGCHUAN_CODE)
    if staff is None or community is None or compound is None:
        stdout.write("gridwork: the demo community or its worker is missing — meetings skipped.")
        return
    local, _created = MeetingKind.objects.get_or_create(
        code=LOCAL_KIND[0], defaults={"name_zh": LOCAL_KIND[1], "name_en": LOCAL_KIND[2], "region": community}
    )
    if Meeting.objects.filter(recorded_by=staff).exists():
        stdout.write("gridwork: demo meetings already present — skipped.")
        return
    kinds = {k.code: k for k in MeetingKind.objects.all()}
    rng = random.Random(16)
    today = timezone.localdate()
    plan = []
    for week in range(WEEKS, 0, -1):
        date = today - dt.timedelta(weeks=week) + dt.timedelta(days=rng.randint(0, 4))
        if date >= today:
            continue
        if week % 2 == 0:
            plan.append((kinds[LOCAL_KIND[0]], date, community))
        if week % 4 == 1:
            plan.append((kinds["public_opinion"], date, community))
        if week % 4 == 3:
            plan.append((kinds["compound_talk"], date, compound))
    made = []
    for kind, date, region in plan:
        chosen = rng.sample(TOPICS, rng.randint(1, 3))
        made.append(
            services.meeting_record(
                user=staff,
                kind=kind,
                date=date,
                place=rng.choice(PLACES),
                region=region,
                participants=rng.randint(12, 60),
                officials=OFFICIALS,
                topics="；".join(topic for _code, topic, _resolution in chosen),
                resolutions=[resolution for _code, _topic, resolution in chosen],
            )
        )
    categories = {c.code: c for c in Category.objects.all()}
    by_text = {resolution: code for code, _topic, resolution in TOPICS}
    filed = 0
    for meeting in made[-MEETINGS_FILED - 1 : -1]:
        resolution = meeting.resolutions.first()
        services.resolution_file(user=staff, resolution=resolution, category=categories[by_text[resolution.text]])
        filed += 1
    stdout.write(f"gridwork: recorded {len(made)} residents' meetings, {filed} resolutions filed as petitions.")


RECEPTIONS = (
    ("想给母亲申请高龄津贴，需要带什么？", "高龄津贴申领", "带老人身份证和银行卡到2号窗口即可办理。", ""),
    ("孩子上学要居住证明", "学生入学居住情况证明", "已当场开具。", ""),
    ("楼上漏水物业不管", "", "", "社区人民调解室"),
    ("公租房排到哪里了", "公共租赁住房申请受理", "", "区住房保障中心"),
    ("想报名电工培训", "职业技能培训报名", "已登记，开班前电话通知。", ""),
)


def _seed_catalogue(stdout) -> None:
    communities = list(
        Region.objects.filter(kind=Region.Kind.COMMUNITY, path__startswith=_zhenhai_path()).order_by("path")
    )
    have = set(ServiceCentre.objects.values_list("region_id", flat=True))
    centres = [
        ServiceCentre(
            region=community,
            region_path=community.path,
            name=f"{community.name}便民服务中心",
            address=f"{community.name}党群服务中心一楼",
            phone=f"0574-8626{community.pk % 10000:04d}",
        )
        for community in communities
        if community.pk not in have
    ]
    ServiceCentre.objects.bulk_create(centres)
    OpeningHours.objects.bulk_create(
        OpeningHours(centre=centre, weekday=day, opens=opens, closes=closes, kind=kind)
        for centre in centres
        for day, opens, closes, kind in HOURS
    )
    ServiceItem.objects.bulk_create(
        ServiceItem(
            centre=centre,
            group=group,
            name=name,
            documents=documents,
            time_limit=limit,
            where=window,
            one_visit=one_visit,
            order=order,
        )
        for centre in centres
        for order, (group, name, documents, limit, window, one_visit) in enumerate(ITEMS)
    )
    receptions = _seed_receptions()
    if centres or receptions:
        stdout.write(
            f"gridwork: {len(centres)} service centres with {len(ITEMS)} service items each; "
            f"{receptions} first-ask receptions."
        )


def _zhenhai_path() -> str:
    district = Region.objects.filter(code=grids_demo.DISTRICT_CODE).first()
    return district.path if district else "-"


def _seed_receptions() -> int:
    staff = get_user_model().objects.filter(username=Role.COMMUNITY_STAFF.value).first()
    centre = ServiceCentre.objects.filter(region__code=grids_demo.ZONGPUQIAO_CODE).first()
    if staff is None or centre is None or centre.receptions.exists():
        return 0
    items = {item.name: item for item in centre.items.all()}
    now = timezone.now()
    names = ("陈秀英", "林国强", "王美华", "张志明", "徐丽娟")
    for index, (question, service, answer, referred) in enumerate(RECEPTIONS):
        services.reception_record(
            user=staff,
            centre=centre,
            question=question,
            service=items.get(service),
            answer=answer,
            referred_to=referred,
            resident_name=names[index],
            resident_phone=f"1391234{index:04d}",
            asked_at=now - dt.timedelta(days=index * 3 + 1, hours=index),
        )
    return len(RECEPTIONS)


BUILDINGS, UNITS, FLOORS, ROOMS_PER_FLOOR = 8, 2, 6, 2
VISIT_OUTCOMES = (
    "家中一切正常，老人身体尚好",
    "反映楼道灯不亮，已记录",
    "宣传垃圾分类新规，已发放资料",
    "独居老人，需定期探访",
    "询问高龄津贴办理，已告知所需材料",
    "检查燃气管道，无隐患",
)


def _seed_households(stdout) -> None:
    """Every compound of 总浦桥社区 gets a register (buildings spread over its grids) and a year of
    visits by the community worker and the grid leader, about half the households each quarter."""
    compounds = list(Region.objects.filter(parent__code=grids_demo.ZONGPUQIAO_CODE, level=4).order_by("path"))
    staff = get_user_model().objects.filter(username=Role.COMMUNITY_STAFF.value).first()
    if not compounds or staff is None:
        return
    if Household.objects.filter(compound__in=compounds).exists():
        stdout.write("gridwork: demo household registers already present — skipped.")
        return
    leader = get_user_model().objects.filter(username=Role.GRID_LEADER.value).first()
    households = []
    for compound in compounds:
        grids = list(Region.objects.filter(parent=compound, level=5).order_by("path"))
        for building in range(1, BUILDINGS + 1):
            grid = grids[(building - 1) % len(grids)] if grids else None
            for unit in range(1, UNITS + 1):
                for floor in range(1, FLOORS + 1):
                    for room in range(1, ROOMS_PER_FLOOR + 1):
                        index = len(households)
                        households.append(
                            Household(
                                compound=compound,
                                grid=grid,
                                region_path=(grid or compound).path,
                                building=str(building),
                                unit=str(unit),
                                room=f"{floor}{room:02d}",
                                head_name=accounts_person_name(index),
                                phone=f"1371234{index:04d}",
                                members=1 + index % 5,
                            )
                        )
    Household.objects.bulk_create(households)
    rng = random.Random(17)
    today = timezone.localdate()
    visits = []
    for household in Household.objects.filter(compound__in=compounds).select_related("grid"):
        for quarter in range(4):
            if rng.random() < 0.5:
                continue
            day = today - dt.timedelta(days=quarter * 91 + rng.randint(0, 90))
            by_leader = leader is not None and household.grid and household.grid.code == grids_demo.QINGCHUAN_GRID_CODE
            visits.append(
                Visit(
                    household=household,
                    region_path=household.region_path,
                    visited_on=day,
                    visitor=leader if by_leader and rng.random() < 0.5 else staff,
                    purpose=rng.choice(Visit.Purpose.values),
                    outcome=rng.choice(VISIT_OUTCOMES),
                    follow_up=rng.random() < 0.1,
                )
            )
    Visit.objects.bulk_create(visits)
    stdout.write(f"gridwork: {len(households)} households in {len(compounds)} compounds, {len(visits)} visits.")


STATION_MEMBERS = (("陈秀英", "站长"), ("林国强", "副站长"), ("王美华", "成员"), ("张志明", "成员"), ("徐丽娟", "成员"))
STATION_ACTIVITIES = ("楼道大扫除", "邻里议事", "义务理发", "家电义修", "垃圾分类宣传", "老人陪伴")


def _seed_stations(stdout) -> None:
    """清川佳园's self-governance station (小区居民自治互助站): five members — the demo resident
    (陈秀英) leads it and files for it — and an activity each month of the year."""
    compound = Region.objects.filter(code=grids_demo.QINGCHUAN_CODE).first()
    if compound is None or Station.objects.filter(compound=compound).exists():
        return
    station = services.station_save(
        station=Station(compound=compound, name="清川佳园居民自治互助站", founded_on=dt.date(2019, 5, 1))
    )
    resident = get_user_model().objects.filter(username=Role.RESIDENT.value).first()
    StationMember.objects.bulk_create(
        StationMember(station=station, user=resident if index == 0 else None, name=name, post=post)
        for index, (name, post) in enumerate(STATION_MEMBERS)
    )
    rng = random.Random(18)
    today = timezone.localdate()
    StationActivity.objects.bulk_create(
        StationActivity(
            station=station,
            date=today - dt.timedelta(days=30 * month + rng.randint(1, 20)),
            title=rng.choice(STATION_ACTIVITIES),
            participants=rng.randint(8, 40),
        )
        for month in range(12)
    )
    stdout.write("gridwork: 清川佳园's self-governance station with 5 members and 12 activities.")
