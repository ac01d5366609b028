import pytest
from django.urls import reverse

from grids.roles import Role
from tests.grids import factories

pytestmark = pytest.mark.django_db


def test_unknown_region_is_a_translated_404(client, tree):
    client.force_login(factories.user(role=Role.STREET_STAFF, region=tree.street_a))
    response = client.get(reverse("grids:region_detail", kwargs={"pk": 987654321}))
    assert response.status_code == 404
    assert "不在您的管辖范围内" in response.content.decode()


def test_region_detail_shows_children_units_and_history(client, tree):
    from grids.services import region_rename

    client.force_login(factories.user(role=Role.STREET_STAFF, region=tree.street_a))
    region_rename(region=tree.community_a, name="总浦桥社区（更名）")
    html = client.get(reverse("grids:region_detail", kwargs={"pk": tree.community_a.pk})).content.decode()
    assert "清川佳园" in html
    assert "招宝山城管中队" in html
    assert "region_rename" in html
    assert "总浦桥社区 → 总浦桥社区（更名）" in html


def test_history_is_hidden_from_roles_without_the_right(client, tree):
    client.force_login(factories.user(role=Role.GRID_LEADER, region=tree.grid_a))
    html = client.get(reverse("grids:region_detail", kwargs={"pk": tree.grid_a.pk})).content.decode()
    assert "变更记录" not in html


def test_htmx_expand_returns_only_the_children(client, tree):
    client.force_login(factories.user(role=Role.STREET_STAFF, region=tree.street_a))
    response = client.get(reverse("grids:region_detail", kwargs={"pk": tree.street_a.pk}), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "总浦桥社区" in html
    assert "<html" not in html


def test_region_list_query_count_is_fixed(client, tree, django_assert_max_num_queries):
    client.force_login(factories.user(role=Role.DISTRICT_STAFF, region=tree.district))
    with django_assert_max_num_queries(7):
        assert client.get(reverse("grids:region_list")).status_code == 200


def test_unit_list_query_count_does_not_grow_with_units(client, tree, django_assert_max_num_queries):
    client.force_login(factories.user(role=Role.DISTRICT_STAFF, region=tree.district))
    for _ in range(5):
        factories.unit(regions=[tree.community_a, tree.community_b])
    with django_assert_max_num_queries(7):
        assert client.get(reverse("grids:unit_list")).status_code == 200
