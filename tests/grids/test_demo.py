"""``manage.py seed_demo``: the real Zhenhai tree, one login per role, idempotence and the COPY path."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from accounts.demo import DEMO_PASSWORD, DEMO_RESIDENT_PHONE, NEWCOMER_USERNAME, resident_phone
from accounts.validators import validate_cn_mobile
from core.demo import Scale
from core.management.commands.seed_demo import demo_modules
from grids.demo import bulk_plan, handbuilt_nodes
from grids.models import HandlingUnit, Region, RoleAssignment
from grids.roles import Role

STREETS = {"招宝山街道", "蛟川街道", "骆驼街道", "庄市街道", "贵驷街道"}
TOWNS = {"澥浦镇", "九龙湖镇"}


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "units": HandlingUnit.objects.count(),
        "unit_regions": HandlingUnit.regions.through.objects.count(),
        "users": get_user_model().objects.count(),
        "assignments": RoleAssignment.objects.count(),
    }


def sign_in(**credentials):
    return authenticate(RequestFactory().post("/accounts/login/"), **credentials)


def test_demo_scale_builds_the_real_zhenhai_tree(db):
    seed()

    district = Region.objects.get(code="330211")
    assert (district.name, district.kind, district.level, district.path, district.parent) == (
        "镇海区",
        "district",
        1,
        "330211/",
        None,
    )
    children = list(district.children.all())
    assert {r.name for r in children if r.kind == Region.Kind.STREET} == STREETS
    assert {r.name for r in children if r.kind == Region.Kind.TOWN} == TOWNS
    assert all(r.level == 2 and r.path == f"330211/{r.code}/" and len(r.code) == 9 for r in children)

    qingchuan = Region.objects.select_related("parent__parent").get(name="清川佳园")
    assert (qingchuan.level, qingchuan.parent.name, qingchuan.parent.parent.name) == (4, "总浦桥社区", "招宝山街道")
    grids = Region.objects.filter(parent=qingchuan)
    assert grids.count() >= 2 and all(g.kind == "grid" and g.level == 5 for g in grids)
    for name, street in [("后大街社区", "招宝山街道"), ("南一社区", "骆驼街道"), ("庄一社区", "庄市街道")]:
        assert Region.objects.get(name=name).parent.name == street
    assert Region.objects.filter(kind=Region.Kind.VILLAGE, parent__name="澥浦镇").exists()
    # Every node sits one level below its parent and extends its parent's path by its own code.
    for region in Region.objects.exclude(parent=None).select_related("parent"):
        assert region.level == region.parent.level + 1
        assert region.path == f"{region.parent.path}{region.code}/"

    urban = HandlingUnit.objects.get(name="招宝山城管中队")
    assert [r.name for r in urban.regions.all()] == ["招宝山街道"]
    kinds = set(HandlingUnit.objects.values_list("kind", flat=True))
    assert {"urban_management", "housing", "property", "power", "police", "water"} <= kinds


def test_one_login_per_role_with_the_demo_password(db):
    seed()

    for role in Role:
        if role == Role.RESIDENT:
            user = sign_in(phone=DEMO_RESIDENT_PHONE, password=DEMO_PASSWORD)
        else:
            user = sign_in(username=role.value, password=DEMO_PASSWORD)
        assert user is not None, role
        assert user.username == role.value
        assert user.full_name
        assert [a.role for a in user.role_assignments.all()] == [role.value]
    assert sign_in(username="street_staff", password="wrong-password") is None

    bound = {a.role: a for a in RoleAssignment.objects.select_related("region__parent", "unit", "user")}
    assert bound["grid_leader"].region.kind == "grid" and bound["grid_leader"].region.parent.name == "清川佳园"
    assert bound["resident"].region.name == "清川佳园"
    assert bound["community_staff"].region.name == "总浦桥社区"
    assert bound["street_staff"].region.name == "招宝山街道"
    assert (bound["handler"].region.name, bound["handler"].unit.name) == ("招宝山街道", "招宝山城管中队")
    for role in ("district_staff", "admin", "evaluator"):
        assert bound[role].region.name == "镇海区"
    admin = bound["admin"].user
    assert admin.is_staff and admin.is_superuser
    assert not bound["district_staff"].user.is_staff


def test_newcomer_signs_in_without_any_role(db):
    seed()

    newcomer = sign_in(username=NEWCOMER_USERNAME, password=DEMO_PASSWORD)
    assert newcomer is not None
    assert not newcomer.role_assignments.exists()


def test_seeding_twice_changes_nothing(db):
    seed()
    before = counts()

    out = seed()

    assert counts() == before
    assert "grids: region tree and handling units already present — skipped." in out
    assert "accounts: demo logins, grid leaders and residents already present — skipped." in out


def test_numeric_scale_copies_residents_and_grid_leaders(db):
    out = seed("--scale", "50")

    user_model = get_user_model()
    residents = user_model.objects.filter(username__startswith="resident_")
    assert residents.count() == 50
    phones = list(residents.values_list("phone", flat=True))
    assert len(set(phones)) == 50
    for phone in phones:
        validate_cn_mobile(phone)
    resident_roles = RoleAssignment.objects.filter(user__in=residents)
    assert resident_roles.count() == 50
    assert set(resident_roles.values_list("role", "region__kind")) == {("resident", "grid")}
    # One bulk grid (50 residents ≈ 0.2 of a grid) in a bulk compound, with path and level computed.
    bulk_grid = Region.objects.select_related("parent").get(code="330211001001101001")
    assert bulk_grid.level == 5 and bulk_grid.path == f"{bulk_grid.parent.path}{bulk_grid.code}/"
    assert bulk_grid.parent.parent.name == "总浦桥社区"
    # Every grid, hand-built or bulk, now has exactly one grid leader.
    leaders = RoleAssignment.objects.filter(role=Role.GRID_LEADER)
    grid_ids = list(Region.objects.filter(kind="grid").values_list("id", flat=True))
    assert sorted(leaders.values_list("region_id", flat=True)) == sorted(grid_ids)
    assert "50 residents" in out
    # Bulk people share the demo password (one hash) and residents sign in by phone.
    assert sign_in(phone=resident_phone(7), password=DEMO_PASSWORD).username == "resident_0000007"
    assert sign_in(username=f"grid_leader_{bulk_grid.code}", password=DEMO_PASSWORD) is not None

    before = counts()
    assert "skipped" in seed("--scale", "50")
    assert counts() == before

    seed("--scale", "80")  # a larger scale tops up what is there
    assert residents.count() == 80
    assert counts()["assignments"] == before["assignments"] + 30


def test_city_plan_has_ten_districts_of_about_700_grids():
    handbuilt = handbuilt_nodes()
    nodes, units = bulk_plan(Scale.parse("city"), handbuilt)

    everything = handbuilt + nodes
    codes = [n.code for n in everything]
    assert len(codes) == len(set(codes))
    assert all(n.code.isalnum() and len(n.code) <= 20 for n in everything)
    assert sum(1 for n in everything if n.kind == "district") == 10
    assert sum(1 for n in everything if n.kind == "grid") == 7000
    seen: set[str] = set()
    for node in everything:  # parents always come first, as the level-by-level insert needs
        assert node.parent_code is None or node.parent_code in seen
        seen.add(node.code)
    assert units and {u.region_codes[0] for u in units} <= seen


def test_scale_meanings():
    assert Scale.parse("demo").of(200_000) == 0
    assert Scale.parse("district").of(200_000) == 200_000
    city = Scale.parse("city")
    assert (city.of(200_000), city.districts, city.per_district(700)) == (2_000_000, 10, 700)
    small = Scale.parse("50")
    assert (small.of(200_000), small.of(700)) == (50, 1)
    for bad in ("huge", "0", "-3"):
        with pytest.raises(ValueError):
            Scale.parse(bad)
    with pytest.raises(CommandError):
        seed("--scale", "huge")


def test_demo_modules_follow_installed_apps():
    names = [module.__name__ for module in demo_modules()]
    assert names.index("grids.demo") < names.index("accounts.demo")
    assert "core.demo" not in names  # shared helpers, no seeder


def test_refuses_production_settings_without_force(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="--force"):
        seed()
