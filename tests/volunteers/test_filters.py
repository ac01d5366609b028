"""The staff opportunity list's FilterSet: narrows the scope, never widens it; bad values are a 400."""

from django.urls import reverse

from tests.grids import factories as grid_factories
from tests.volunteers import factories
from volunteers import services


def test_staff_opportunities_filter_by_status_type_and_title(client, tree):
    coordinator = grid_factories.user(role="volunteer_coordinator", region=tree.street_a)
    walk = factories.opportunity(region=tree.community_a, user=coordinator, title="陪老人散步")
    study = factories.opportunity(
        region=tree.community_a,
        user=coordinator,
        title="周末作业辅导",
        service_type=factories.service_type("study", "助学"),
        start_in_hours=100,
    )
    services.opportunity_set_status(user=coordinator, opportunity=study, status="closed")
    admin = grid_factories.user(role="admin", region=tree.district)
    factories.opportunity(region=tree.community_b, user=admin, title="别的街道散步")
    client.force_login(coordinator)
    url = reverse("volunteers:staff_opportunities")
    html = client.get(url, {"status": "closed"}).content.decode()
    assert study.title in html and walk.title not in html
    html = client.get(url, {"service_type": factories.service_type().pk}).content.decode()
    assert walk.title in html and study.title not in html
    html = client.get(url, {"title": "散步"}).content.decode()
    assert walk.title in html and "别的街道散步" not in html  # a filter never widens the scope
    for bad in ({"status": "exploded"}, {"service_type": "99999999999999999999"}, {"service_type": "x"}):
        assert client.get(url, bad).status_code == 400, bad
