import pytest
from django.urls import reverse

from petitions import services
from petitions.models import Klass, Status
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db


def test_a_resident_follows_and_evaluates_their_own_petitions_only(client, tree):
    resident = grid_factories.user(role="resident", region=tree.compound_a, phone="13800000011")
    other = grid_factories.user(role="resident", region=tree.compound_a, phone="13800000012")
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    mine = factories.petition(region=tree.grid_a, reporter=resident, title="我的路灯")
    theirs = factories.petition(region=tree.grid_a, reporter=other, title="别人的路灯")
    mine = services.petition_triage(user=staff, petition=mine, klass=Klass.GENERAL, unit=tree.unit_a)
    mine = services.petition_accept(user=staff, petition=mine)
    services.petition_note(user=staff, petition=mine, text="内部备注：物业推诿")
    services.petition_reply(user=staff, petition=mine, reply="已修好")
    client.force_login(resident)
    listing = client.get(reverse("petitions:mine")).content.decode()
    assert "我的路灯" in listing and "别人的路灯" not in listing
    detail_url = reverse("petitions:mine_detail", kwargs={"code": mine.tracking_code})
    detail = client.get(detail_url).content.decode()
    assert "已修好" in detail and "内部备注" not in detail
    assert client.get(reverse("petitions:mine_detail", kwargs={"code": theirs.tracking_code})).status_code == 404
    response = client.post(detail_url, {"evaluate": "1", "rating": "satisfied", "comment": "谢谢"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Status.CLOSED
