"""Demo data for the region tree (行政区划) and handling units (承办单位) of Zhenhai district.

The hand-built part is the real structure — 镇海区, its five streets and two towns, a few
communities and villages each (real names where known), compounds such as 清川佳园 and their
grids — created through ``grids.services``. Larger scales add bulk compounds and grids to every
community (about 700 grids per district in all) with ``bulk_create``; the city scale adds the other
nine districts of Ningbo, each with a bulk-built tree of the same size. Every row is found again by
its code, so seeding twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count

from core.demo import DISTRICT_GRIDS, Scale
from grids import services
from grids.models import HandlingUnit, Region

Kind = Region.Kind
UnitKind = HandlingUnit.Kind

DISTRICT_CODE = "330211"
DISTRICT_NAME = "镇海区"
ZHAOBAOSHAN_CODE = "330211001"  # 招宝山街道
ZONGPUQIAO_CODE = "330211001001"  # 总浦桥社区
QINGCHUAN_CODE = "330211001001001"  # 清川佳园
QINGCHUAN_GRID_CODE = "330211001001001001"  # 清川佳园第一网格
ZHAOBAOSHAN_URBAN_UNIT_CODE = "330211001CG"  # 招宝山城管中队

GRIDS_PER_BULK_COMPOUND = 5

# (code, name, kind, communities); a community is (3-digit suffix, name, kind, compounds) and a
# compound is (name, number of grids). Communities carry 0xx suffixes, villages 2xx, as in the
# statistical codes of residents' and villagers' committees.
STREETS: tuple = (
    (
        "330211001",
        "招宝山街道",
        Kind.STREET,
        (
            ("001", "总浦桥社区", Kind.COMMUNITY, (("清川佳园", 3), ("总浦桥小区", 2))),
            ("002", "后大街社区", Kind.COMMUNITY, (("后大街小区", 2),)),
            ("003", "城河社区", Kind.COMMUNITY, (("城河苑", 2),)),
            ("004", "白龙社区", Kind.COMMUNITY, (("白龙新村", 2),)),
            ("005", "梓荫社区", Kind.COMMUNITY, (("梓荫花园", 2),)),
        ),
    ),
    (
        "330211002",
        "蛟川街道",
        Kind.STREET,
        (
            ("001", "俞范社区", Kind.COMMUNITY, (("俞范东苑", 2),)),
            ("002", "迎周社区", Kind.COMMUNITY, (("迎周小区", 2),)),
            ("003", "临江社区", Kind.COMMUNITY, (("临江花苑", 2),)),
            ("201", "新联村", Kind.VILLAGE, (("新联村第一村民小组", 2),)),
        ),
    ),
    (
        "330211003",
        "骆驼街道",
        Kind.STREET,
        (
            ("001", "南一社区", Kind.COMMUNITY, (("南苑小区", 2),)),
            ("002", "南二社区", Kind.COMMUNITY, (("骆兴小区", 2),)),
            ("003", "盛兴社区", Kind.COMMUNITY, (("盛兴花园", 2),)),
            ("201", "团桥村", Kind.VILLAGE, (("团桥村第一村民小组", 2),)),
        ),
    ),
    (
        "330211004",
        "庄市街道",
        Kind.STREET,
        (
            ("001", "庄一社区", Kind.COMMUNITY, (("庄市花园", 2),)),
            ("002", "兴庄社区", Kind.COMMUNITY, (("兴庄苑", 2),)),
            ("003", "万景社区", Kind.COMMUNITY, (("万景花园", 2),)),
            ("201", "勤勇村", Kind.VILLAGE, (("勤勇村第一村民小组", 2),)),
        ),
    ),
    (
        "330211005",
        "贵驷街道",
        Kind.STREET,
        (
            ("001", "贵驷社区", Kind.COMMUNITY, (("贵驷新村", 2),)),
            ("201", "沿山村", Kind.VILLAGE, (("沿山村第一村民小组", 2),)),
            ("202", "兴岙村", Kind.VILLAGE, (("兴岙村第一村民小组", 2),)),
        ),
    ),
    (
        "330211101",
        "澥浦镇",
        Kind.TOWN,
        (
            ("001", "澥浦社区", Kind.COMMUNITY, (("澥浦新城", 2),)),
            ("201", "十七房村", Kind.VILLAGE, (("十七房村第一村民小组", 2),)),
            ("202", "岚山村", Kind.VILLAGE, (("岚山村第一村民小组", 2),)),
            ("203", "汇源村", Kind.VILLAGE, (("汇源村第一村民小组", 2),)),
        ),
    ),
    (
        "330211102",
        "九龙湖镇",
        Kind.TOWN,
        (
            ("001", "九龙湖社区", Kind.COMMUNITY, (("九龙湖花园", 2),)),
            ("201", "汶溪村", Kind.VILLAGE, (("汶溪村第一村民小组", 2),)),
            ("202", "横溪村", Kind.VILLAGE, (("横溪村第一村民小组", 2),)),
            ("203", "秦山村", Kind.VILLAGE, (("秦山村第一村民小组", 2),)),
        ),
    ),
)

# The other county-level divisions of Ningbo, built in bulk at city scale.
OTHER_DISTRICTS = (
    ("330203", "海曙区"),
    ("330205", "江北区"),
    ("330206", "北仑区"),
    ("330212", "鄞州区"),
    ("330213", "奉化区"),
    ("330225", "象山县"),
    ("330226", "宁海县"),
    ("330281", "余姚市"),
    ("330282", "慈溪市"),
)
BULK_STREETS_PER_DISTRICT = 7
BULK_COMMUNITIES_PER_STREET = 4

COMPOUND_NAMES = (
    "阳光花园",
    "金色家园",
    "和美苑",
    "锦绣华庭",
    "怡景湾",
    "明珠苑",
    "春晓苑",
    "滨江花园",
    "书香苑",
    "翠柏里",
    "海天花园",
    "甬江新村",
    "东湖花苑",
    "新城家园",
    "紫荆苑",
    "丽水湾",
    "桂花苑",
    "和平新村",
    "绿洲花园",
    "文苑新村",
    "银杏苑",
    "香樟花园",
)
COMMUNITY_STEMS = ("东湖", "西园", "南苑", "北岸", "中山", "文昌", "青林", "新河", "明月", "望江", "凤鸣", "兴宁")

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 35 → 三十五 (1–99); larger numbers in Arabic digits."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    kind: str
    parent_code: str | None


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str
    region_codes: tuple[str, ...]


def _grids(compound_code: str, compound_name: str, count: int, first: int = 1) -> list[Node]:
    return [
        Node(f"{compound_code}{n:03d}", f"{compound_name}第{cn_number(n)}网格", Kind.GRID, compound_code)
        for n in range(first, first + count)
    ]


def handbuilt_nodes() -> list[Node]:
    """The hand-built Zhenhai tree, parents before children."""
    nodes = [Node(DISTRICT_CODE, DISTRICT_NAME, Kind.DISTRICT, None)]
    for street_code, street_name, street_kind, communities in STREETS:
        nodes.append(Node(street_code, street_name, street_kind, DISTRICT_CODE))
        for suffix, community_name, community_kind, compounds in communities:
            community_code = street_code + suffix
            nodes.append(Node(community_code, community_name, community_kind, street_code))
            for index, (compound_name, grid_count) in enumerate(compounds, start=1):
                compound_code = f"{community_code}{index:03d}"
                nodes.append(Node(compound_code, compound_name, Kind.COMPOUND, community_code))
                nodes.extend(_grids(compound_code, compound_name, grid_count))
    return nodes


def handbuilt_units() -> list[Unit]:
    """Units of each street (城管中队, 派出所, 供电所), district bureaus and a few property offices."""
    units = [
        Unit("330211ZJ", "镇海区住房和城乡建设局", UnitKind.HOUSING, (DISTRICT_CODE,)),
        Unit("330211SW", "镇海区水务集团", UnitKind.WATER, (DISTRICT_CODE,)),
        Unit("330211MZ", "镇海区民政局", UnitKind.CIVIL_AFFAIRS, (DISTRICT_CODE,)),
    ]
    for street_code, street_name, _kind, _communities in STREETS:
        short = street_name.removesuffix("街道").removesuffix("镇")
        units += [
            Unit(f"{street_code}CG", f"{short}城管中队", UnitKind.URBAN_MANAGEMENT, (street_code,)),
            Unit(f"{street_code}PCS", f"{short}派出所", UnitKind.POLICE, (street_code,)),
            Unit(f"{street_code}GD", f"{short}供电所", UnitKind.POWER, (street_code,)),
        ]
    units += [
        Unit("330211001001WY", "清川佳园物业服务中心", UnitKind.PROPERTY, (QINGCHUAN_CODE, "330211001001002")),
        Unit("330211003001WY", "南苑小区物业服务中心", UnitKind.PROPERTY, ("330211003001001",)),
        Unit("330211004001WY", "庄市花园物业服务中心", UnitKind.PROPERTY, ("330211004001001",)),
    ]
    return units


def _spread_grids(communities: list[Node], count: int, village_kind: str = Kind.VILLAGE) -> list[Node]:
    """``count`` bulk grids dealt round-robin over ``communities``, five to a bulk compound.

    Bulk compounds take the codes 101… under their community, so they never meet hand-built ones;
    the i-th bulk grid always gets the same code, whatever the total.
    """
    nodes: list[Node] = []
    compounds_seen: set[str] = set()
    for i in range(count):
        community_index, k = i % len(communities), i // len(communities)
        community = communities[community_index]
        compound_number, grid_number = divmod(k, GRIDS_PER_BULK_COMPOUND)
        compound_code = f"{community.code}{101 + compound_number:03d}"
        if community.kind == village_kind:
            compound_name = f"{community.name}第{cn_number(compound_number + 2)}村民小组"
        else:
            compound_name = COMPOUND_NAMES[(community_index * 5 + compound_number) % len(COMPOUND_NAMES)]
        if compound_code not in compounds_seen:
            compounds_seen.add(compound_code)
            nodes.append(Node(compound_code, compound_name, Kind.COMPOUND, community.code))
        nodes.extend(_grids(compound_code, compound_name, 1, first=grid_number + 1))
    return _parents_first(nodes)


def _parents_first(nodes: list[Node]) -> list[Node]:
    return sorted(nodes, key=lambda node: Region.LEVEL_OF_KIND[node.kind])


def bulk_plan(scale: Scale, handbuilt: list[Node]) -> tuple[list[Node], list[Unit]]:
    """Bulk regions (parents first) and units for ``scale``; empty at demo scale."""
    if not scale.bulk:
        return [], []
    grids_per_district = scale.per_district(DISTRICT_GRIDS)
    zhenhai_communities = [n for n in handbuilt if n.kind in (Kind.COMMUNITY, Kind.VILLAGE)]
    handbuilt_grids = sum(1 for n in handbuilt if n.kind == Kind.GRID)
    nodes = _spread_grids(zhenhai_communities, max(1, grids_per_district - handbuilt_grids))
    units: list[Unit] = []
    for district_code, district_name in OTHER_DISTRICTS[: scale.districts - 1]:
        short = district_name[:2]
        tree = [Node(district_code, district_name, Kind.DISTRICT, None)]
        for s in range(1, BULK_STREETS_PER_DISTRICT + 1):
            street = Node(f"{district_code}{s:03d}", f"{short}第{cn_number(s)}街道", Kind.STREET, district_code)
            tree.append(street)
            units += [
                Unit(f"{street.code}CG", f"{street.name}城管中队", UnitKind.URBAN_MANAGEMENT, (street.code,)),
                Unit(f"{street.code}PCS", f"{street.name}派出所", UnitKind.POLICE, (street.code,)),
            ]
            for c in range(1, BULK_COMMUNITIES_PER_STREET + 1):
                stem = COMMUNITY_STEMS[(s * BULK_COMMUNITIES_PER_STREET + c) % len(COMMUNITY_STEMS)]
                tree.append(Node(f"{street.code}{c:03d}", f"{stem}社区", Kind.COMMUNITY, street.code))
        communities = [n for n in tree if n.kind == Kind.COMMUNITY]
        nodes += _parents_first(tree + _spread_grids(communities, grids_per_district))
    return _parents_first(nodes), units


def _create_handbuilt(nodes: list[Node], existing: dict[str, Region]) -> int:
    created = 0
    for node in nodes:
        if node.code in existing:
            continue
        parent = existing[node.parent_code] if node.parent_code else None
        existing[node.code] = services.region_create(name=node.name, code=node.code, kind=node.kind, parent=parent)
        created += 1
    return created


def _create_bulk(nodes: list[Node]) -> int:
    """Insert the missing ``nodes`` level by level with ``bulk_create``, computing level and path."""
    existing = set(Region.objects.filter(code__in=[n.code for n in nodes]).values_list("code", flat=True))
    missing = [n for n in nodes if n.code not in existing]
    created = 0
    for level in range(1, 6):
        batch = [n for n in missing if Region.LEVEL_OF_KIND[n.kind] == level]
        if not batch:
            continue
        parent_codes = {n.parent_code for n in batch if n.parent_code}
        parents = {r.code: r for r in Region.objects.filter(code__in=parent_codes).only("id", "code", "path")}
        rows = []
        for n in batch:
            parent = parents.get(n.parent_code) if n.parent_code else None
            path = (parent.path if parent else "") + n.code + "/"
            rows.append(
                Region(name=n.name, code=n.code, kind=n.kind, level=level, parent_id=parent and parent.pk, path=path)
            )
        Region.objects.bulk_create(rows, batch_size=2000)
        created += len(rows)
    return created


def _create_units(units: Iterable[Unit], *, bulk: bool) -> int:
    units = list(units)
    existing = set(HandlingUnit.objects.filter(code__in=[u.code for u in units]).values_list("code", flat=True))
    missing = [u for u in units if u.code not in existing]
    if not missing:
        return 0
    regions = Region.objects.in_bulk({c for u in missing for c in u.region_codes}, field_name="code")
    if not bulk:
        for u in missing:
            regions_covered = [regions[c] for c in u.region_codes]
            services.unit_create(name=u.name, code=u.code, kind=u.kind, regions=regions_covered)
        return len(missing)
    created = HandlingUnit.objects.bulk_create(
        [HandlingUnit(name=u.name, code=u.code, kind=u.kind) for u in missing], batch_size=2000
    )
    through = HandlingUnit.regions.through
    through.objects.bulk_create(
        [
            through(handlingunit_id=unit.pk, region_id=regions[code].pk)
            for unit, u in zip(created, missing, strict=True)
            for code in u.region_codes
        ],
        batch_size=2000,
    )
    return len(created)


def seed(*, scale: Scale, stdout) -> None:
    handbuilt = handbuilt_nodes()
    bulk_nodes, bulk_units = bulk_plan(scale, handbuilt)
    existing = Region.objects.in_bulk([n.code for n in handbuilt], field_name="code")

    regions = _create_handbuilt(handbuilt, existing)
    units = _create_units(handbuilt_units(), bulk=False)
    if bulk_nodes:
        regions += _create_bulk(bulk_nodes)
        units += _create_units(bulk_units, bulk=True)

    if regions or units:
        stdout.write(f"grids: created {regions} regions and {units} handling units.")
    else:
        stdout.write("grids: region tree and handling units already present — skipped.")


def report(*, stdout) -> None:
    by_kind = {row["kind"]: row["n"] for row in Region.objects.values("kind").annotate(n=Count("id"))}
    figures = ", ".join(f"{by_kind.get(kind, 0)} {kind}" for kind in Kind.values)
    stdout.write(f"Regions: {figures}; handling units: {HandlingUnit.objects.count()}.")
