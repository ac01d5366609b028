import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import PersonalDataReveal
from petitions.models import Event
from tests.grids import factories as grid_factories
from tests.petitions import factories as petition_factories
from tests.volunteers import factories
from volunteers import services
from volunteers.models import Opportunity, Signup, Volunteer


@pytest.fixture
def resident(tree):
    return grid_factories.user(role="resident", region=tree.compound_a, phone="13900001111")


@pytest.fixture
def coordinator(tree):
    return grid_factories.user(role="volunteer_coordinator", region=tree.street_a)


def _registration(tree, **changes):
    data = {
        "real_name": "王小明",
        "phone": "139 1234 5678",
        "national_id": factories.national_id(),
        "region": tree.community_a.pk,
        "service_types": [factories.service_type().pk],
        "skills": "急救，辅导",
        "consent": "on",
        "availability-TOTAL_FORMS": "3",
        "availability-INITIAL_FORMS": "0",
        "availability-0-weekday": "5",
        "availability-0-start": "09:00",
        "availability-0-end": "12:00",
    }
    data.update(changes)
    return data


def test_resident_registers_and_sees_their_number(client, tree, resident):
    client.force_login(resident)
    response = client.post(reverse("volunteers:register"), _registration(tree))
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(user=resident)
    assert volunteer.phone == "13912345678"
    assert volunteer.skills == ["急救", "辅导"]
    assert [(w.weekday, str(w.start)) for w in volunteer.availability.all()] == [(5, "09:00:00")]
    page = client.get(reverse("volunteers:me"))
    assert volunteer.number in page.content.decode()


def test_bad_id_answers_400_and_keeps_what_was_typed(client, tree, resident):
    client.force_login(resident)
    response = client.post(reverse("volunteers:register"), _registration(tree, national_id="110105194912310021"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "校验位不正确" in html
    assert "王小明" in html and "110105194912310021" in html
    assert not Volunteer.objects.exists()


def test_availability_ending_before_it_starts_answers_400(client, tree, resident):
    client.force_login(resident)
    data = _registration(tree, **{"availability-0-end": "08:00"})
    response = client.post(reverse("volunteers:register"), data)
    assert response.status_code == 400
    assert "结束时间必须晚于开始时间" in response.content.decode()
    assert not Volunteer.objects.exists()


def test_second_registration_of_the_same_person_is_refused(client, tree, coordinator):
    number = factories.national_id()
    factories.volunteer(region=tree.community_a, actor=coordinator, number=number)
    client.force_login(coordinator)
    response = client.post(reverse("volunteers:add"), _registration(tree, national_id=number))
    assert response.status_code == 400
    assert "此人已登记为志愿者" in response.content.decode()
    assert Volunteer.objects.count() == 1


def test_staff_see_only_masked_data_until_a_logged_reveal(client, tree, coordinator):
    number = factories.national_id()
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator, number=number, real_name="张三丰")
    client.force_login(coordinator)
    html = client.get(reverse("volunteers:detail", args=[volunteer.number])).content.decode()
    assert number not in html and "张三丰" not in html and "13912345678" not in html
    assert number[:6] + "********" + number[-4:] in html
    revealed = client.post(reverse("volunteers:reveal", args=[volunteer.number])).content.decode()
    assert number in revealed and "张三丰" in revealed
    assert PersonalDataReveal.objects.filter(object_type="volunteers.volunteer", object_id=volunteer.pk).count() == 1


def test_volunteer_signs_up_and_a_full_opportunity_says_so(client, tree, coordinator, resident):
    opportunity = factories.opportunity(region=tree.community_a, user=coordinator, places=1)
    factories.volunteer(region=tree.community_a, actor=coordinator).signups  # noqa: B018
    me = factories.volunteer(region=tree.compound_a, account=resident)
    client.force_login(resident)
    url = reverse("volunteers:opportunity", args=[opportunity.pk])
    assert client.post(url).status_code == 302
    assert Signup.objects.filter(volunteer=me).count() == 1
    other = grid_factories.user(role="resident", region=tree.compound_a)
    factories.volunteer(region=tree.compound_a, account=other)
    client.force_login(other)
    response = client.post(url)
    assert response.status_code == 400
    assert "已满员" in response.content.decode()


def test_publish_from_a_petition_shows_on_its_page_and_timeline(client, tree):
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    petition = petition_factories.petition(region=tree.grid_a)
    client.force_login(staff)
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    publish = reverse("volunteers:opportunity_new") + f"?petition={petition.pk}"
    assert publish.replace("&", "&amp;") in page or publish in page
    data = {
        "title": "帮独居老人搬家",
        "region": tree.community_a.pk,
        "service_type": factories.service_type().pk,
        "date": "2099-05-01",
        "start": "09:00",
        "end": "11:00",
        "places": "3",
    }
    response = client.post(publish, data)
    assert response.status_code == 302
    opportunity = Opportunity.objects.get()
    assert opportunity.petition == petition and opportunity.during.lower.hour == 1  # 09:00 in Shanghai is 01:00 UTC
    assert Event.objects.filter(petition=petition, action="volunteers.opportunity").exists()
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert "帮独居老人搬家" in page
    assert "再发布一个志愿服务项目" in page  # the action now offers another one


def test_publish_from_a_petition_out_of_scope_is_404(client, tree):
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    petition = petition_factories.petition(region=tree.grid_b)
    client.force_login(staff)
    response = client.get(reverse("volunteers:opportunity_new") + f"?petition={petition.pk}")
    assert response.status_code == 404


def test_lists_keep_a_fixed_query_count(client, tree, coordinator, django_assert_num_queries):
    types = [factories.service_type(), factories.service_type("disabled", "助残")]
    for _ in range(3):
        factories.volunteer(region=tree.community_a, actor=coordinator, types=types)
        factories.opportunity(region=tree.community_a, user=coordinator, start_in_hours=24 * (_ + 2))
    client.force_login(coordinator)
    client.get(reverse("volunteers:list"))  # warm the session and caches
    # session, user, role assignments, second factor, the page, its service types, unread notifications
    with django_assert_num_queries(7):
        assert client.get(reverse("volunteers:list")).status_code == 200
    for _ in range(5):
        factories.volunteer(region=tree.community_a, actor=coordinator, types=types)
    with django_assert_num_queries(7):
        client.get(reverse("volunteers:list"))
    with django_assert_num_queries(7):  # and the filter's service types
        assert client.get(reverse("volunteers:staff_opportunities")).status_code == 200
    resident = grid_factories.user(role="resident", region=tree.compound_a)
    client.force_login(resident)
    client.get(reverse("volunteers:opportunities"))
    with django_assert_num_queries(7):  # and the visitor's own volunteer record
        assert client.get(reverse("volunteers:opportunities")).status_code == 200
    factories.opportunity(region=tree.community_b, user=coordinator, start_in_hours=300)
    with django_assert_num_queries(7):
        assert client.get(reverse("volunteers:opportunities")).status_code == 200


def test_coordinator_sees_reasons_and_books_a_suggestion(client, tree, coordinator):
    opportunity = factories.opportunity(region=tree.community_a, user=coordinator)
    start = opportunity.during.lower.astimezone(timezone.get_current_timezone())
    window = services.Window(start.weekday(), dt.time(0), dt.time(23, 59))
    volunteer = factories.volunteer(region=tree.compound_a, actor=coordinator, availability=[window])
    client.force_login(coordinator)
    url = reverse("volunteers:opportunity_manage", args=[opportunity.pk])
    page = client.get(url).content.decode()
    assert volunteer.number in page and "没有特别要求的技能" in page
    invite = reverse("volunteers:opportunity_invite", args=[opportunity.pk])
    assert client.post(invite, {"number": volunteer.number}).status_code == 302
    assert Signup.objects.get(opportunity=opportunity).invited_by == coordinator
    again = client.post(invite, {"number": volunteer.number})
    assert again.status_code == 400


def test_batch_fill_from_the_list(client, tree, coordinator):
    opportunity = factories.opportunity(region=tree.community_a, user=coordinator, start_in_hours=30)
    start = opportunity.during.lower.astimezone(timezone.get_current_timezone())
    window = services.Window(start.weekday(), dt.time(0), dt.time(23, 59))
    factories.volunteer(region=tree.compound_a, actor=coordinator, availability=[window])
    client.force_login(coordinator)
    assert client.post(reverse("volunteers:opportunity_fill")).status_code == 302
    assert Signup.objects.filter(opportunity=opportunity).count() == 1


def test_coordinator_registers_only_in_their_regions(client, tree, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("volunteers:add"), _registration(tree, region=tree.community_b.pk))
    assert response.status_code == 400
    assert not Volunteer.objects.exists()
    assert client.post(reverse("volunteers:add"), _registration(tree)).status_code == 302


def test_closing_an_opportunity_from_a_petition_tells_its_timeline(client, tree, coordinator):
    petition = petition_factories.petition(region=tree.grid_a)
    opportunity = factories.opportunity(region=tree.community_a, user=coordinator, petition=petition)
    client.force_login(coordinator)
    url = reverse("volunteers:opportunity_manage", args=[opportunity.pk])
    assert client.post(url, {"status": "nonsense"}).status_code == 400
    assert client.post(url, {"status": "closed"}).status_code == 302
    entry = Event.objects.get(petition=petition, action="volunteers.outcome")
    assert entry.data["status"] == "closed"
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    client.force_login(staff)
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert "志愿服务项目结果" in page
