"""The public service catalogue (最多跑一次) and first-ask reception (首问接待)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.models import PersonalDataReveal
from gridwork import services
from gridwork.catalogue import ITEMS
from gridwork.models import Reception
from tests.grids import factories as grid_factories
from tests.gridwork import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree):
    return grid_factories.user(username="li", role="community_staff", region=tree.community_a)


def test_the_demo_catalogue_has_over_seventy_items_each_once():
    assert len(ITEMS) >= 70 and len({name for _g, name, *_rest in ITEMS}) == len(ITEMS)


def test_anyone_reads_the_catalogue_hours_and_items_without_signing_in(client, tree):
    centre = factories.centre(region=tree.community_a, items=76)
    listing = client.get(reverse("gridwork:service_catalogue"))
    assert listing.status_code == 200 and centre.name in listing.content.decode()
    page = client.get(reverse("gridwork:service_centre", kwargs={"pk": centre.pk}))
    body = page.content.decode()
    assert page.status_code == 200 and body.count('data-testid="service-item"') == 76
    assert "错时" in body and "延时" in body and "19:30" in body
    searched = client.get(reverse("gridwork:service_centre", kwargs={"pk": centre.pk}), {"q": "残疾人证"})
    expected = sum(1 for group, name, documents, *_rest in ITEMS if "残疾人证" in f"{group}{name}{documents}")
    assert 3 < expected < 76  # the name or the documents to bring
    assert searched.content.decode().count('data-testid="service-item"') == expected
    one_visit = client.get(reverse("gridwork:service_centre", kwargs={"pk": centre.pk}), {"one_visit": "false"})
    assert one_visit.content.decode().count('data-testid="service-item"') == sum(1 for i in ITEMS if not i[5])


def test_the_centre_page_costs_fixed_queries(client, tree, django_assert_num_queries):
    centre = factories.centre(region=tree.community_a, items=76)
    with django_assert_num_queries(3):
        assert client.get(reverse("gridwork:service_centre", kwargs={"pk": centre.pk})).status_code == 200


def test_a_bad_filter_answers_400_and_an_unknown_or_closed_centre_404(client, tree):
    centre = factories.centre(region=tree.community_a)
    url = reverse("gridwork:service_centre", kwargs={"pk": centre.pk})
    assert client.get(url, {"one_visit": "maybe"}).status_code == 400
    centre.is_active = False
    centre.save(update_fields=["is_active"])
    assert client.get(url).status_code == 404


def test_staff_record_a_reception_and_the_rules_hold(tree, staff):
    centre = factories.centre(region=tree.community_a)
    item = centre.items.first()
    reception = services.reception_record(
        user=staff,
        centre=centre,
        question="想办社保卡",
        service=item,
        answer="带身份证和照片到1号窗口",
        resident_name="陈秀英",
        resident_phone="139 1234 5678",
    )
    assert (reception.region_path, reception.resident_phone, reception.answered_by) == (
        tree.community_a.path,
        "13912345678",
        staff,
    )
    for change, field in [
        ({"question": " "}, "question"),
        ({"answer": "", "referred_to": ""}, "answer"),
        ({"resident_phone": "12345"}, "resident_phone"),
        ({"asked_at": timezone.now() + dt.timedelta(hours=2)}, "asked_at"),
        ({"service": factories.centre(region=tree.community_a2).items.first()}, "service"),
    ]:
        values = {"centre": centre, "question": "问题", "answer": "答复", **change}
        with pytest.raises(DomainError) as refused:
            services.reception_record(user=staff, **values)
        assert refused.value.field == field
    elsewhere = factories.centre(region=tree.community_a2, name="别处中心")
    with pytest.raises(DomainError) as refused:
        services.reception_record(user=staff, centre=elsewhere, question="问", answer="答")
    assert refused.value.field == "centre"
    assert Reception.objects.count() == 1


def test_the_resident_is_masked_until_revealed_and_the_reveal_is_logged(client, tree, staff):
    centre = factories.centre(region=tree.community_a)
    reception = services.reception_record(
        user=staff, centre=centre, question="问", answer="答", resident_name="陈秀英", resident_phone="13912345678"
    )
    client.force_login(staff)
    listing = client.get(reverse("gridwork:reception_list")).content.decode()
    assert "陈**" in listing and "陈秀英" not in listing
    detail = client.get(reverse("gridwork:reception_detail", kwargs={"pk": reception.pk})).content.decode()
    assert "139****5678" in detail and "13912345678" not in detail
    shown = client.post(reverse("gridwork:reception_reveal", kwargs={"pk": reception.pk})).content.decode()
    assert "陈秀英" in shown and "13912345678" in shown
    logged = PersonalDataReveal.objects.get()
    assert (logged.user, logged.object_type, logged.object_id) == (staff, "gridwork.reception", reception.pk)


def test_the_reception_form_keeps_what_was_typed(client, tree, staff):
    centre = factories.centre(region=tree.community_a)
    client.force_login(staff)
    url = reverse("gridwork:reception_new")
    typed = {"centre": centre.pk, "question": "公租房进度", "answer": "", "referred_to": "", "resident_name": "林"}
    refused = client.post(url, typed)
    assert refused.status_code == 400 and "公租房进度" in refused.content.decode()
    typed["referred_to"] = "区住房保障中心"
    assert client.post(url, typed).status_code == 302
    assert Reception.objects.get().referred_to == "区住房保障中心"


def test_a_reception_outside_scope_is_not_found(client, tree, staff):
    other = grid_factories.user(role="community_staff", region=tree.community_a2)
    centre = factories.centre(region=tree.community_a2)
    reception = services.reception_record(user=other, centre=centre, question="问", answer="答")
    client.force_login(staff)
    assert client.get(reverse("gridwork:reception_detail", kwargs={"pk": reception.pk})).status_code == 404
    assert client.post(reverse("gridwork:reception_reveal", kwargs={"pk": reception.pk})).status_code == 404
    assert not PersonalDataReveal.objects.exists()


def test_the_reception_list_costs_fixed_queries(client, tree, staff, django_assert_num_queries):
    centre = factories.centre(region=tree.community_a)
    client.force_login(staff)
    services.reception_record(user=staff, centre=centre, question="问0", answer="答")
    url = reverse("gridwork:reception_list")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).status_code == 200
    for index in range(1, 30):
        services.reception_record(user=staff, centre=centre, question=f"问{index}", answer="答")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).context["page"].has_more


def test_the_front_door_offers_the_catalogue(client):
    assert reverse("gridwork:service_catalogue") in client.get("/").content.decode()


LIST_QUERIES = 8


def test_an_admin_saved_centre_follows_its_community(tree):
    from gridwork.models import ServiceCentre

    centre = services.centre_save(centre=ServiceCentre(region=tree.community_a, name="中心", address="一楼"))
    assert centre.region_path == tree.community_a.path
    with pytest.raises(DomainError):
        services.centre_save(centre=ServiceCentre(region=tree.grid_a, name="网格中心", address="一楼"))
