"""Demo petitions: a realistic spread of about seventy items over the hand-built Zhenhai tree.

Every state of the closed loop is there — awaiting triage, routed, in progress, waiting for the
resident, replied, closed with each rating, reworked, merged, solved on the spot, returned and
re-routed, reopened, major items with their joint meeting — through several channels and every
category. Each item is walked through ``petitions.services`` step by step, and after each step its
whole history is moved back in time (``_age``), so deadlines, events and evaluations keep their
real order and spacing. Some items are left past a deadline: beat's sweep escalates them within two
minutes of ``make run`` starting. The months that just ended get their zero-backlog snapshots.

Demo items carry the tracking codes ``ZHDM····`` (eight characters, where real codes have ten), so
seeding again finds them and adds nothing.

Behind them, at the demo scale, a year of about 6,000 items (``settings.DEMO_YEAR_ITEMS``) is loaded set-based by
``petitions.bulk`` — every street, category, channel and month, in every state, with evaluations,
escalations and closes without a fix — so the dashboard's charts, the league table and every filter
show something. Their codes are ``ZH`` and eight digits. Bulk scales add nothing here: benchmark
petitions are loaded by the benchmark seeding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, F
from django.utils import timezone

from accounts import demo as accounts_demo
from core.demo import Scale
from grids import demo as grids_demo
from grids.models import HandlingUnit, Region
from petitions import bulk, deadlines, services, sweeps
from petitions.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Deadline,
    Evaluation,
    Event,
    Klass,
    MonthlySnapshot,
    Petition,
    Status,
)
from petitions.reference import ensure_categories

CODE_PREFIX = "ZHDM"
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # as real codes: no 0/O, 1/I
SNAPSHOT_MONTHS = 3


def demo_code(index: int) -> str:
    """``ZHDM`` and four characters of the tracking-code alphabet (never a real, ten-character code)."""
    digits = []
    for _ in range(4):
        index, rest = divmod(index, len(_CODE_ALPHABET))
        digits.append(_CODE_ALPHABET[rest])
    return CODE_PREFIX + "".join(reversed(digits))


@dataclass(frozen=True)
class Issue:
    category: str
    title: str
    description: str
    address: str


ISSUES = (
    Issue("street_light", "路灯不亮", "3号楼前的路灯已经坏了一周，晚上老人出门很不方便。", "3幢楼前"),
    Issue("road", "人行道地砖松动", "小区北门外人行道有十几块地砖松动，下雨天一踩就溅水。", "北门外人行道"),
    Issue("sanitation", "垃圾分类亭满溢", "垃圾分类亭每天傍晚就满了，周边有异味，请增加清运次数。", "5幢东侧垃圾亭"),
    Issue("parking", "消防通道被占用", "每晚都有车停在消防通道上，救护车进不来。", "2幢与3幢之间通道"),
    Issue("noise", "夜间施工噪声", "工地晚上十一点以后还在施工，影响居民休息。", "小区南侧工地"),
    Issue("water", "雨水井堵塞", "一下雨地下车库入口就积水，雨水井应该是堵了。", "地下车库入口"),
    Issue("power", "楼道电线裸露", "楼道里有一段电线外皮破损，担心孩子触电。", "7幢2单元楼道"),
    Issue("property", "电梯经常停运", "电梯一周停了三次，住在高层的老人上下楼很困难。", "1幢电梯"),
    Issue("housing", "外墙瓷砖脱落", "外墙有瓷砖掉下来，差点砸到行人，请尽快排查。", "6幢外墙"),
    Issue("greenery", "行道树枝遮挡路灯", "香樟树枝太长，把路灯和监控都挡住了，需要修剪。", "小区主干道"),
    Issue("elderly", "独居老人需要助餐", "楼上独居的王阿姨行动不便，希望社区能帮忙联系助餐服务。", "4幢1单元"),
    Issue("neighbourhood", "楼上漏水邻里纠纷", "楼上卫生间漏水到我家天花板，协商了几次都没解决。", "8幢302室"),
    Issue("other", "健身器材损坏", "小广场的健身器材有两台坏了，螺丝松动有安全隐患。", "中心小广场"),
    Issue("sanitation", "河道漂浮垃圾", "小区旁边河道里漂着很多垃圾和水草，夏天有味道。", "小区西侧河道"),
    Issue("road", "窨井盖缺失", "路口的窨井盖不见了，只用一个锥桶挡着，晚上很危险。", "东门路口"),
    Issue("parking", "非机动车乱停放", "单元门口电动车停得满满的，还有人在楼道里充电。", "9幢单元门口"),
    Issue("property", "门禁系统失灵", "单元门禁坏了好几天，陌生人随便进出。", "3幢1单元"),
    Issue("water", "自来水水压不足", "早晚用水高峰时五楼以上几乎没有水。", "10幢"),
    Issue("greenery", "绿地被占种菜", "有住户把公共绿地挖了种菜，还施农家肥，气味很大。", "11幢北侧绿地"),
    Issue("elderly", "适老化改造咨询", "家里有老人，想申请卫生间扶手等适老化改造，不知道找谁。", "12幢"),
)

CHANNELS = (
    Channel.GRID,
    Channel.SERVICE_WINDOW,
    Channel.WEB,
    Channel.PHONE,
    Channel.WECHAT,
    Channel.PARTY_STATION,
    Channel.SELF_GOVERNANCE,
    Channel.MEETING,
)

# Each plan entry: how many items, the steps each walks through, and the days that pass after each
# step (the last figure: how long ago the last step happened). Copies spread out a little in time.
PLAN: tuple[tuple[int, tuple[str, ...], tuple[float, ...]], ...] = (
    (6, ("file",), (0.1,)),  # awaiting triage
    (3, ("file",), (5,)),  # triage overdue → escalates
    (4, ("file", "triage"), (0.3, 0.2)),  # routed, awaiting acceptance
    (2, ("file", "triage"), (1, 6)),  # acceptance overdue → escalates
    (5, ("file", "triage", "accept", "progress"), (0.3, 0.5, 2, 0.5)),  # in progress
    (2, ("file", "triage", "accept"), (2, 1, 30)),  # resolution overdue, filed last month
    (1, ("file", "triage", "accept"), (3, 2, 45)),  # long overdue, already overdue at last month's end
    (1, ("file", "triage_major", "accept"), (1, 1, 12)),  # major: joint meeting overdue
    (1, ("file", "triage_major", "accept", "meeting", "progress"), (1, 1, 3, 2, 1)),  # major, decided
    (3, ("file", "triage", "accept", "request_info"), (0.5, 0.5, 1, 20)),  # waiting: the clock is paused
    (1, ("file", "triage", "accept", "request_info", "resume"), (0.5, 0.5, 1, 3, 1)),
    (4, ("file", "triage", "accept", "reply"), (1, 1, 3, 1)),  # replied, awaiting evaluation
    (2, ("file", "self_handle", "reply"), (0.5, 1, 0.5)),  # kept by the community (小事不出社区)
    (8, ("file", "triage", "accept", "reply", "satisfied"), (1, 1, 3, 1, 20)),
    (4, ("file", "triage", "accept", "reply", "basic"), (1, 1, 4, 2, 25)),
    (2, ("file", "triage", "accept", "reply", "unsatisfied", "reply", "satisfied"), (1, 1, 3, 1, 2, 1, 10)),
    (2, ("file", "triage", "accept", "reply", "unsatisfied"), (1, 1, 3, 1, 1)),  # rework in progress
    (2, ("file", "triage", "accept", "reply", "close"), (1, 1, 3, 8, 15)),  # closed, not evaluated
    (2, ("file", "triage", "accept", "reply", "callback"), (1, 1, 3, 2, 12)),  # staff callback (回访)
    (2, ("file", "triage", "accept", "reply", "satisfied", "third_party"), (1, 1, 3, 1, 5, 30)),
    (1, ("file", "triage", "accept", "reply", "satisfied", "reopen"), (1, 1, 3, 1, 4, 2)),
    (1, ("file", "triage_wrong", "return", "triage", "accept"), (0.5, 1, 0.5, 0.5, 2)),  # 退回 and 改派
    (3, ("duplicate", "merge"), (0.2, 0.1)),  # 并单 into the item filed just before
    (1, ("attach",), (0.1,)),  # attached at intake to the item filed just before
    (3, ("on_spot",), (1,)),  # solved on the spot by the grid leader
    (3, ("on_spot", "satisfied"), (2, 6)),
)


@dataclass
class Cast:
    """The demo logins who act on the items (accounts.demo), and the regions and units they use."""

    users: dict
    grids: list
    units: dict  # code → unit
    zongpuqiao: Region
    zhaobaoshan: Region

    def staff_for(self, region: Region):
        if region.is_within(self.zongpuqiao):
            return self.users["community_staff"]
        if region.is_within(self.zhaobaoshan):
            return self.users["street_staff"]
        return self.users["district_staff"]

    def handler_for(self, petition: Petition):
        if petition.unit_id and petition.unit.code == grids_demo.ZHAOBAOSHAN_URBAN_UNIT_CODE:
            return self.users["handler"]
        return self.staff_for(petition.region)

    def unit_for(self, petition: Petition, *, wrong: bool = False) -> HandlingUnit:
        """The unit that usually handles the category where the item is (or, to demonstrate 退回,
        one that does not)."""
        street = petition.region_path.split("/")[1]
        kind = petition.category.default_unit_kind or HandlingUnit.Kind.OTHER
        if wrong:
            kind = HandlingUnit.Kind.POWER if kind != HandlingUnit.Kind.POWER else HandlingUnit.Kind.POLICE
        codes = {
            HandlingUnit.Kind.URBAN_MANAGEMENT: f"{street}CG",
            HandlingUnit.Kind.POLICE: f"{street}PCS",
            HandlingUnit.Kind.POWER: f"{street}GD",
            HandlingUnit.Kind.WATER: "330211SW",
            HandlingUnit.Kind.HOUSING: "330211ZJ",
            HandlingUnit.Kind.CIVIL_AFFAIRS: "330211MZ",
        }
        if kind == HandlingUnit.Kind.PROPERTY:  # property offices are coded after their community
            community = petition.region_path.split("/")[2]
            return self.units.get(f"{community}WY") or self.units[f"{street}CG"]
        return self.units.get(codes.get(kind, ""), self.units[f"{street}CG"])


@dataclass
class Walk:
    """One item on its way through the loop."""

    index: int
    cast: Cast
    previous: Petition | None
    petition: Petition | None = None
    steps: list = field(default_factory=list)


def _age(petition: Petition, days: float) -> None:
    """Move the item's whole history ``days`` back in time."""
    delta = dt.timedelta(days=days)
    Petition.objects.filter(pk=petition.pk).update(
        **{f: F(f) - delta for f in ("created_at", "updated_at", "replied_at", "closed_at", "resolve_by", "paused_at")}
    )
    Deadline.objects.filter(petition=petition).update(
        **{f: F(f) - delta for f in ("due_at", "warn_at", "met_at", "paused_at", "warned_at", "breached_at")}
    )
    Event.objects.filter(petition=petition).update(created_at=F("created_at") - delta)
    Evaluation.objects.filter(petition=petition).update(created_at=F("created_at") - delta)


def _issue(walk: Walk) -> Issue:
    return ISSUES[walk.index % len(ISSUES)]


def _region(walk: Walk) -> Region:
    grids = walk.cast.grids
    # A third of the items in the demo grid leader's own grid, the rest spread over the district.
    return grids[0] if walk.index % 3 == 0 else grids[(walk.index * 7) % len(grids)]


def _file(walk: Walk, *, on_spot: bool = False, like: Petition | None = None, attach: bool = False) -> None:
    """File the walk's item; ``like``: another report of that item's problem, at the same place."""
    cast = walk.cast
    issue = Issue(like.category.code, like.title, like.description, "") if like else _issue(walk)
    region = like.region if like else _region(walk)
    channel = Channel.GRID if on_spot else CHANNELS[walk.index % len(CHANNELS)]
    filed_by = {
        Channel.GRID: cast.users["grid_leader"] if region == cast.grids[0] else cast.staff_for(region),
        Channel.WEB: None,
        Channel.WECHAT: None,
        Channel.PHONE: cast.users["district_staff"],
    }.get(channel, cast.staff_for(region))
    resident = cast.users["resident"] if channel == Channel.WEB and region == cast.grids[0] else None
    anonymous = resident is None and walk.index % 11 == 5
    petition, _token = services.petition_file(
        channel=channel,
        category=Category.objects.get(code=issue.category),
        region=region,
        title=issue.title,
        description=issue.description,
        address=like.address if like else f"{region.parent.name if region.parent else region.name}{issue.address}",
        reporter=resident,
        reporter_name="" if resident or anonymous else accounts_demo.person_name(walk.index + 1),
        reporter_phone="" if resident or anonymous else f"1380001{walk.index:04d}",
        anonymous=anonymous,
        filed_by=filed_by,
        solved_on_spot=on_spot,
        on_spot_note="网格长当场联系物业处理完毕，已向居民反馈。" if on_spot else "",
        attach_to=like if attach else None,
    )
    code = demo_code(walk.index)
    Petition.objects.filter(pk=petition.pk).update(tracking_code=code)
    petition.tracking_code = code
    walk.petition = petition


def _triage(walk: Walk, klass: str = Klass.GENERAL, *, wrong: bool = False) -> None:
    p = Petition.objects.select_related("category", "unit", "region").get(pk=walk.petition.pk)
    walk.petition = services.petition_triage(
        user=walk.cast.staff_for(p.region),
        petition=p,
        klass=klass,
        unit=walk.cast.unit_for(p, wrong=wrong),
        note="请按时限办理。",
    )


def _actor(walk: Walk):
    p = Petition.objects.select_related("unit", "region").get(pk=walk.petition.pk)
    return walk.cast.handler_for(p) if p.unit_id else walk.cast.staff_for(p.region)


def _evaluate(walk: Walk, rating: str, *, source: str = Evaluation.Source.RESIDENT, comment: str = "") -> None:
    by = {
        Evaluation.Source.RESIDENT: walk.cast.users["resident"] if walk.petition.reporter_id else None,
        Evaluation.Source.CALLBACK: walk.cast.staff_for(walk.petition.region),
        Evaluation.Source.THIRD_PARTY: walk.cast.users["evaluator"],
    }[source]
    services.petition_evaluate(petition=walk.petition, rating=rating, comment=comment, source=source, by=by)


STEPS: dict[str, Callable[[Walk], None]] = {
    "file": lambda w: _file(w),
    "on_spot": lambda w: _file(w, on_spot=True),
    "duplicate": lambda w: _file(w, like=w.previous),
    "attach": lambda w: _file(w, like=w.previous, attach=True),
    "merge": lambda w: services.petition_merge(
        user=w.cast.staff_for(w.petition.region), petition=w.petition, into=w.previous
    ),
    "triage": lambda w: _triage(w),
    "triage_major": lambda w: _triage(w, Klass.MAJOR),
    "triage_wrong": lambda w: _triage(w, wrong=True),
    "return": lambda w: services.petition_return(
        user=_actor(w), petition=w.petition, reason="不属于本单位职责范围，请改派。"
    ),
    "self_handle": lambda w: services.petition_self_handle(
        user=w.cast.staff_for(w.petition.region), petition=w.petition, klass=Klass.ROUTINE, note="社区自行处理。"
    ),
    "accept": lambda w: services.petition_accept(user=_actor(w), petition=w.petition),
    "progress": lambda w: services.petition_progress(
        user=_actor(w), petition=w.petition, text="已到现场查看，正在协调维修。"
    ),
    "meeting": lambda w: services.petition_meeting(
        user=w.cast.staff_for(w.petition.region),
        petition=w.petition,
        decision="联席会议决定由街道牵头，住建、城管和物业共同整改，两周内完成。",
        participants="街道、住建局、城管中队、物业、居民代表",
    ),
    "request_info": lambda w: services.petition_request_info(
        user=_actor(w), petition=w.petition, question="请补充现场照片和具体位置。"
    ),
    "resume": lambda w: services.petition_resume(user=_actor(w), petition=w.petition, answer="居民已补充照片。"),
    "reply": lambda w: services.petition_reply(
        user=_actor(w), petition=w.petition, reply="已处理完毕，感谢您的反映，欢迎继续监督。"
    ),
    "satisfied": lambda w: _evaluate(w, Evaluation.Rating.SATISFIED, comment="处理很及时，谢谢！"),
    "basic": lambda w: _evaluate(w, Evaluation.Rating.BASIC, comment="解决了，但等的时间有点长。"),
    "unsatisfied": lambda w: _evaluate(w, Evaluation.Rating.UNSATISFIED, comment="问题还在，没有真正解决。"),
    "callback": lambda w: _evaluate(w, Evaluation.Rating.BASIC, source=Evaluation.Source.CALLBACK),
    "third_party": lambda w: _evaluate(w, Evaluation.Rating.SATISFIED, source=Evaluation.Source.THIRD_PARTY),
    "close": lambda w: services.petition_close(
        user=w.cast.staff_for(w.petition.region), petition=w.petition, note="多次联系居民未评价，按期办结。"
    ),
    "reopen": lambda w: services.petition_reopen(
        user=w.cast.staff_for(w.petition.region), petition=w.petition, reason="居民反映问题复发。"
    ),
}


def _cast() -> Cast | None:
    usernames = ("grid_leader", "community_staff", "street_staff", "handler", "district_staff", "evaluator")
    users = get_user_model().objects.in_bulk([*usernames, "resident"], field_name="username")
    handbuilt = sorted(n.code for n in grids_demo.handbuilt_nodes() if n.kind == Region.Kind.GRID)
    grids = Region.objects.in_bulk(handbuilt, field_name="code")
    regions = Region.objects.in_bulk([grids_demo.ZONGPUQIAO_CODE, grids_demo.ZHAOBAOSHAN_CODE], field_name="code")
    if any(name not in users for name in usernames) or len(regions) < 2 or not grids:
        return None
    # The demo grid leader's grid first: a third of the items land there.
    first = [grids_demo.QINGCHUAN_GRID_CODE] if grids_demo.QINGCHUAN_GRID_CODE in grids else []
    return Cast(
        users={**users, "resident": users.get("resident")},
        grids=[grids[code] for code in first + [c for c in handbuilt if c in grids and c not in first]],
        units=HandlingUnit.objects.in_bulk(field_name="code"),
        zongpuqiao=regions[grids_demo.ZONGPUQIAO_CODE],
        zhaobaoshan=regions[grids_demo.ZHAOBAOSHAN_CODE],
    )


def seed(*, scale: Scale, stdout) -> None:
    """The hand-walked demo items at every scale (bulk petitions belong to the benchmark seeding)."""
    ensure_categories()
    if Petition.objects.filter(tracking_code=demo_code(0)).exists():
        stdout.write("petitions: demo items already present — skipped.")
    else:
        cast = _cast()
        if cast is None:
            stdout.write("petitions: the demo regions and logins are missing (grids, accounts) — skipped.")
            return
        created = _seed_items(cast)
        deadlines.refresh_next_due_all()  # the items were backdated with set-based updates
        _fill_work_minutes()
        stdout.write(f"petitions: created {created} demo items in every state, some of them overdue.")
    if not scale.bulk and settings.DEMO_YEAR_ITEMS:
        _seed_year(stdout, count=settings.DEMO_YEAR_ITEMS)
    snapshots = _seed_snapshots()
    if snapshots:
        stdout.write(f"petitions: recorded {snapshots} month-end snapshots (月月清零).")


def _seed_year(stdout, *, count: int) -> None:
    """A year of items behind the hand-walked ones (``petitions.bulk``), once."""
    if Petition.objects.filter(tracking_code=bulk.code(1)).exists():
        return
    with connection.cursor() as cursor:
        rows = bulk.load(cursor.connection, count=count, months=12, anchor=timezone.now(), drop_indexes=False)
        cursor.execute("SET LOCAL session_replication_role = origin")
    stdout.write(
        f"petitions: loaded a year of {rows['petitions_petition']:,} items "
        f"({rows['petitions_event']:,} timeline entries, {rows['petitions_evaluation']:,} evaluations)."
    )


def _seed_items(cast: Cast) -> int:
    index, previous = 0, None
    for copies, steps, gaps in PLAN:
        for copy in range(copies):
            walk = Walk(index=index, cast=cast, previous=previous)
            stretch = 1 + 0.25 * copy
            for step, gap in zip(steps, gaps, strict=True):
                STEPS[step](walk)
                walk.petition.refresh_from_db()
                _age(walk.petition, gap * stretch)
            walk.petition.refresh_from_db()
            if walk.petition.status in OPEN_STATUSES:
                previous = walk.petition
            index += 1
    return index


def _fill_work_minutes() -> None:
    """Working minutes from filing to reply, recomputed on the backdated timestamps (the reply
    recorded them before ``_age`` moved the history back)."""
    replied = Petition.objects.filter(tracking_code__startswith=CODE_PREFIX, replied_at__isnull=False)
    for pk, created_at, replied_at in replied.values_list("pk", "created_at", "replied_at"):
        minutes = services.work_minutes(created_at, replied_at)
        Petition.objects.filter(pk=pk).update(work_minutes_to_reply=minutes)


def _seed_snapshots() -> int:
    """The zero-backlog figures of the months that just ended, as of now (what beat would record)."""
    month, inserted = sweeps.previous_month(), 0
    for _ in range(SNAPSHOT_MONTHS):
        inserted += sweeps.monthly_sweep(month)["inserted"]
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return inserted


def report(*, stdout) -> None:
    by_status = dict(Petition.objects.values("status").annotate(n=Count("id")).values_list("status", "n"))
    overdue = (
        Deadline.objects.filter(met_at__isnull=True, paused_at__isnull=True, due_at__lte=timezone.now())
        .values("petition")
        .distinct()
        .count()
    )
    statuses = ", ".join(f"{by_status.get(status, 0)} {status}" for status in Status.values)
    stdout.write(
        f"Petitions: {statuses}; {overdue} overdue now (beat's sweep escalates them); "
        f"{MonthlySnapshot.objects.count()} month-end snapshots."
    )
