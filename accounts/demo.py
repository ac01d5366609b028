"""Demo logins: one user per role (username = role code), a user with no role, and bulk people.

Every demo login shares ``DEMO_PASSWORD``; the resident signs in with the phone number
``DEMO_RESIDENT_PHONE``. Larger scales add one grid leader to every grid that has none and
residents with valid, unique mobile numbers (139…), loaded with PostgreSQL COPY and all sharing
one password hash computed once. Users are found again by username, so seeding twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from core.demo import DISTRICT_RESIDENTS, Scale, analyze, copy_rows, reserve_ids
from grids import demo as grids_demo
from grids.models import HandlingUnit, Region, RoleAssignment
from grids.roles import Role
from grids.services import role_assign

DEMO_PASSWORD = "Zhenhai@2026"
DEMO_RESIDENT_PHONE = "13800000001"
NEWCOMER_USERNAME = "newcomer"
RESIDENT_USERNAME_PREFIX = "resident_"
RESIDENT_PHONE_PREFIX = "139"
GRID_LEADER_USERNAME_PREFIX = "grid_leader_"
COPY_CHUNK = 50_000


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str | None
    region_code: str | None = None
    unit_code: str | None = None
    phone: str | None = None
    is_superuser: bool = False


def _staff(role: Role, full_name: str, region_code: str, **extra) -> DemoUser:
    return DemoUser(role.value, full_name, role.value, region_code, **extra)


DEMO_USERS = (
    _staff(Role.RESIDENT, "陈秀英", grids_demo.QINGCHUAN_CODE, phone=DEMO_RESIDENT_PHONE),
    _staff(Role.GRID_LEADER, "王丽萍", grids_demo.QINGCHUAN_GRID_CODE),
    _staff(Role.COMMUNITY_STAFF, "李建华", grids_demo.ZONGPUQIAO_CODE),
    _staff(Role.STREET_STAFF, "张伟", grids_demo.ZHAOBAOSHAN_CODE),
    _staff(Role.HANDLER, "刘强", grids_demo.ZHAOBAOSHAN_CODE, unit_code=grids_demo.ZHAOBAOSHAN_URBAN_UNIT_CODE),
    _staff(Role.DISTRICT_STAFF, "周敏", grids_demo.DISTRICT_CODE),
    _staff(Role.VOLUNTEER_COORDINATOR, "徐静", grids_demo.ZHAOBAOSHAN_CODE),
    _staff(Role.FUND_MANAGER, "孙海燕", grids_demo.ZHAOBAOSHAN_CODE),
    _staff(Role.PANEL_MEMBER, "何国平", grids_demo.ZONGPUQIAO_CODE),
    _staff(Role.EVALUATOR, "郑晓东", grids_demo.DISTRICT_CODE),
    _staff(Role.ADMIN, "吴志刚", grids_demo.DISTRICT_CODE, is_superuser=True),
    DemoUser(NEWCOMER_USERNAME, "赵新", None),
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁沈姚卢姜钟陆汪范金石贾夏方邹孟秦江薛顾毛邵钱戴俞虞应乐"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文红玉兰凤海燕志鹏飞俊浩宇晨欣怡佳琪雪梅春林波辉斌鑫婷丹萍亮成"
)

USER_COLUMNS = (
    "id",
    "password",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "full_name",
    "phone",
)
ASSIGNMENT_COLUMNS = ("user_id", "role", "region_id", "created_at")


def person_name(index: int) -> str:
    """A deterministic, varied Chinese full name for the ``index``-th bulk person."""
    mixed = (index * 2654435761) % 2**32  # Knuth's multiplicative hash: neighbours get unrelated names
    surname = SURNAMES[mixed % len(SURNAMES)]
    given = GIVEN_CHARS[(mixed >> 8) % len(GIVEN_CHARS)]
    if (mixed >> 20) % 3:
        given += GIVEN_CHARS[(mixed >> 14) % len(GIVEN_CHARS)]
    return surname + given


def resident_phone(index: int) -> str:
    return f"{RESIDENT_PHONE_PREFIX}{index:08d}"


def seed(*, scale: Scale, stdout) -> None:
    hasher = _OneHash()
    users, assignments = _seed_demo_users(hasher)
    leaders = residents = 0
    if scale.bulk:
        leaders = _seed_grid_leaders(hasher)
        residents = _seed_residents(hasher, target=scale.of(DISTRICT_RESIDENTS))
        if leaders or residents:
            analyze(get_user_model()._meta.db_table, RoleAssignment._meta.db_table)
    if users or assignments or leaders or residents:
        stdout.write(
            f"accounts: created {users} demo logins, {assignments} demo role assignments, "
            f"{leaders} grid leaders and {residents} residents."
        )
    else:
        stdout.write("accounts: demo logins, grid leaders and residents already present — skipped.")


class _OneHash:
    """The demo password hashed once, on first use (a second run that creates nothing never hashes)."""

    value: str | None = None

    def __call__(self) -> str:
        if self.value is None:
            self.value = make_password(DEMO_PASSWORD)
        return self.value


def _seed_demo_users(hasher: _OneHash) -> tuple[int, int]:
    user_model = get_user_model()
    usernames = [spec.username for spec in DEMO_USERS]
    existing = user_model.objects.in_bulk(usernames, field_name="username")
    created = 0
    for spec in DEMO_USERS:
        if spec.username in existing:
            continue
        existing[spec.username] = user_model.objects.create(
            username=spec.username,
            password=hasher(),
            full_name=spec.full_name,
            phone=spec.phone,
            is_staff=spec.is_superuser,
            is_superuser=spec.is_superuser,
        )
        created += 1

    held = set(
        RoleAssignment.objects.filter(user__username__in=usernames).values_list(
            "user__username", "role", "region__code"
        )
    )
    wanted = [s for s in DEMO_USERS if s.role and (s.username, s.role, s.region_code) not in held]
    if not wanted:
        return created, 0
    regions = Region.objects.in_bulk({s.region_code for s in wanted}, field_name="code")
    units = HandlingUnit.objects.in_bulk({s.unit_code for s in wanted if s.unit_code}, field_name="code")
    for spec in wanted:
        role_assign(
            user=existing[spec.username],
            role=spec.role,
            region=regions[spec.region_code],
            unit=units.get(spec.unit_code) if spec.unit_code else None,
        )
    return created, len(wanted)


def _seed_grid_leaders(hasher: _OneHash) -> int:
    """One grid leader for every grid that has none (username ``grid_leader_<grid code>``)."""
    user_model = get_user_model()
    has_leader = RoleAssignment.objects.filter(region=OuterRef("pk"), role=Role.GRID_LEADER)
    grids = list(
        Region.objects.filter(kind=Region.Kind.GRID)
        .exclude(Exists(has_leader))
        .order_by("path")
        .values_list("id", "code")
    )
    if not grids:
        return 0
    usernames = {code: f"{GRID_LEADER_USERNAME_PREFIX}{code}" for _id, code in grids}
    user_ids = dict(
        user_model.objects.filter(username__in=usernames.values()).values_list("username", "id")
    )  # left over from an earlier, interrupted layout: reuse rather than collide
    new = [(grid_id, code) for grid_id, code in grids if usernames[code] not in user_ids]
    now = timezone.now()
    ids = reserve_ids(user_model._meta.db_table, len(new))
    password = hasher() if new else ""
    copy_rows(
        user_model._meta.db_table,
        USER_COLUMNS,
        (
            (user_id, password, False, usernames[code], "", "", "", False, True, now, person_name(grid_id), None)
            for user_id, (grid_id, code) in zip(ids, new, strict=True)
        ),
    )
    user_ids.update((usernames[code], user_id) for user_id, (_grid_id, code) in zip(ids, new, strict=True))
    copy_rows(
        RoleAssignment._meta.db_table,
        ASSIGNMENT_COLUMNS,
        ((user_ids[usernames[code]], Role.GRID_LEADER.value, grid_id, now) for grid_id, code in grids),
    )
    return len(grids)


def _seed_residents(hasher: _OneHash, *, target: int) -> int:
    """Residents ``resident_0000001`` … up to ``target``, each bound to a grid, dealt round-robin.

    Only indexes above the highest existing one are added, so a larger scale tops up a smaller one.
    """
    user_model = get_user_model()
    last = (
        user_model.objects.filter(username__startswith=RESIDENT_USERNAME_PREFIX)
        .order_by("-username")
        .values_list("username", flat=True)
        .first()
    )
    first = int(last.removeprefix(RESIDENT_USERNAME_PREFIX)) + 1 if last else 1
    if first > target:
        return 0
    grids = list(Region.objects.filter(kind=Region.Kind.GRID).order_by("path").values_list("id", flat=True))
    # Someone may already own a number in our range (a real registration): leave that resident without one.
    taken = set(
        user_model.objects.filter(phone__range=(resident_phone(first), resident_phone(target))).values_list(
            "phone", flat=True
        )
    )
    password = hasher()
    now = timezone.now()
    table = user_model._meta.db_table
    for start in range(first, target + 1, COPY_CHUNK):
        indexes = range(start, min(start + COPY_CHUNK, target + 1))
        ids = reserve_ids(table, len(indexes))
        copy_rows(
            table,
            USER_COLUMNS,
            (
                (
                    user_id,
                    password,
                    False,
                    f"{RESIDENT_USERNAME_PREFIX}{index:07d}",
                    "",
                    "",
                    "",
                    False,
                    True,
                    now,
                    person_name(index),
                    None if resident_phone(index) in taken else resident_phone(index),
                )
                for user_id, index in zip(ids, indexes, strict=True)
            ),
        )
        copy_rows(
            RoleAssignment._meta.db_table,
            ASSIGNMENT_COLUMNS,
            (
                (user_id, Role.RESIDENT.value, grids[index % len(grids)], now)
                for user_id, index in zip(ids, indexes, strict=True)
            ),
        )
    return target - first + 1


def report(*, stdout) -> None:
    user_model = get_user_model()
    by_role = dict(RoleAssignment.objects.values("role").annotate(n=Count("id")).values_list("role", "n"))
    stdout.write(
        f"Users: {user_model.objects.count()}; role assignments: "
        + ", ".join(f"{by_role.get(role, 0)} {role}" for role in Role.values)
        + "."
    )
    bound = {
        a.user.username: a
        for a in RoleAssignment.objects.filter(user__username__in=[s.username for s in DEMO_USERS]).select_related(
            "user", "region", "unit"
        )
    }
    stdout.write("")
    stdout.write(f"Demo logins — password for all: {DEMO_PASSWORD}")
    for spec in DEMO_USERS:
        login = f"{spec.username} (phone {spec.phone})" if spec.phone else spec.username
        assignment = bound.get(spec.username)
        if assignment is None:
            where = "no role yet"
        else:
            where = f"{spec.role} · {assignment.region.name}"
            if assignment.unit:
                where += f" · {assignment.unit.name}"
        note = "  (enrols TOTP on first login)" if spec.is_superuser else ""
        stdout.write(f"  {login:<34} {spec.full_name:<4} {where}{note}")
