import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grids import selectors
from grids.models import Region
from grids.permissions import region_paths, scope_by_region
from grids.roles import Role
from tests.grids import factories

pytestmark = pytest.mark.django_db


def _names(qs):
    return {r.name for r in qs}


def test_street_staff_sees_their_street_and_nothing_of_the_other(tree):
    staff = factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    visible = selectors.region_list(user=staff)
    assert _names(visible) == {"招宝山街道", "总浦桥社区", "后大街社区", "清川佳园", "清川二期", "网格A", "网格A2"}
    with pytest.raises(Region.DoesNotExist):
        selectors.region_get(user=staff, pk=tree.street_b.pk)
    with pytest.raises(Region.DoesNotExist):
        selectors.region_get(user=staff, pk=tree.district.pk)


def test_two_assignments_union_and_nested_ones_collapse(tree):
    staff = factories.user(role=Role.COMMUNITY_STAFF, region=tree.community_a)
    from grids.services import role_assign

    role_assign(user=staff, role=Role.GRID_LEADER, region=tree.grid_b)
    role_assign(user=staff, role=Role.GRID_LEADER, region=tree.grid_a)  # inside community_a already
    staff = type(staff).objects.get(pk=staff.pk)
    assert region_paths(staff, "grids.view_region") == sorted([tree.community_a.path, tree.grid_b.path])
    assert _names(selectors.region_list(user=staff)) == {
        "总浦桥社区",
        "清川佳园",
        "清川二期",
        "网格A",
        "网格A2",
        "网格B",
    }


def test_residents_and_users_without_roles_see_no_region(tree):
    resident = factories.user(role=Role.RESIDENT, region=tree.compound_a)
    nobody = factories.user()
    assert not selectors.region_list(user=resident).exists()
    assert not selectors.region_list(user=nobody).exists()


def test_a_filter_cannot_widen_scope(tree):
    staff = factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    qs = scope_by_region(Region.objects.all(), user=staff, action="grids.view_region", path_lookup="path")
    assert not qs.filter(pk=tree.grid_b.pk).exists()
    assert not qs.filter(path__startswith=tree.district.path).filter(pk=tree.street_b.pk).exists()


def test_units_visible_by_coverage_and_handlers_see_their_own(tree):
    district_unit = factories.unit(regions=[tree.district], name="区供水")
    leader = factories.user(role=Role.GRID_LEADER, region=tree.grid_a)
    assert _names(selectors.unit_list(user=leader)) == {"招宝山城管中队", "区供水"}
    handler = factories.user(role=Role.HANDLER, region=tree.street_a, unit=tree.unit_a)
    assert _names(selectors.unit_list(user=handler)) == {"招宝山城管中队"}
    district = factories.user(role=Role.DISTRICT_STAFF, region=tree.district)
    assert _names(selectors.unit_list(user=district)) == {"招宝山城管中队", "骆驼供电所", district_unit.name}


def test_descendants_are_one_indexed_query(tree):
    with CaptureQueriesContext(connection) as queries:
        names = _names(selectors.region_descendants(tree.street_a))
    assert names == {"招宝山街道", "总浦桥社区", "后大街社区", "清川佳园", "清川二期", "网格A", "网格A2"}
    assert len(queries) == 1
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = selectors.region_descendants(tree.street_a).order_by().query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The prefix becomes a range condition on the pattern-ops index (~>=~ … ~<~): no scan of the table.
    assert "_like" in plan and "~>=~" in plan, plan


def test_scoped_region_list_is_one_query_whatever_the_scope(tree, django_assert_num_queries):
    staff = factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    from grids.services import role_assign

    role_assign(user=staff, role=Role.GRID_LEADER, region=tree.grid_b)
    staff = type(staff).objects.get(pk=staff.pk)
    with django_assert_num_queries(2):  # role assignments once, then the scoped list
        list(selectors.region_list(user=staff))
    with django_assert_num_queries(1):  # assignments cached for the rest of the request
        list(selectors.region_list(user=staff))


@pytest.mark.parametrize(
    ("role", "bound", "sibling"),
    [
        (Role.GRID_LEADER, "grid_a", "grid_a2"),
        (Role.COMMUNITY_STAFF, "compound_a", "compound_a2"),
        (Role.COMMUNITY_STAFF, "community_a", "community_a2"),
        (Role.STREET_STAFF, "street_a", "street_b"),
    ],
)
def test_no_role_sees_its_sibling_node_or_anything_below_it(tree, role, bound, sibling):
    """A role bound one level too wide would see the node right next to its own: it must not."""
    staff = factories.user(role=role, region=getattr(tree, bound))
    visible = {r.pk for r in selectors.region_list(user=staff)}
    assert getattr(tree, bound).pk in visible
    below_sibling = selectors.region_descendants(getattr(tree, sibling))
    assert not visible & {r.pk for r in below_sibling}
    with pytest.raises(Region.DoesNotExist):
        selectors.region_get(user=staff, pk=getattr(tree, sibling).pk)
