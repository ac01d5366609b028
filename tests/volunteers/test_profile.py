"""The volunteer's own profile and weekly availability."""

from django.urls import reverse

from tests.grids import factories as grid_factories
from tests.volunteers import factories
from volunteers.models import Volunteer


def _data(**changes):
    data = {
        "phone": "139 8888 7777",
        "service_types": [factories.service_type().pk, factories.service_type("study", "助学").pk],
        "skills": "急救，辅导",
        "insured_until": "2027-06-30",
        "availability-TOTAL_FORMS": "3",
        "availability-INITIAL_FORMS": "0",
        "availability-0-weekday": "2",
        "availability-0-start": "18:00",
        "availability-0-end": "21:00",
    }
    data.update(changes)
    return data


def test_volunteer_edits_their_profile_and_availability(client, tree):
    account = grid_factories.user(role="resident", region=tree.compound_a)
    volunteer = factories.volunteer(region=tree.compound_a, account=account, skills=["维修"])
    client.force_login(account)
    url = reverse("volunteers:me_edit")
    page = client.get(url).content.decode()
    assert "维修" in page and volunteer.number in page
    assert client.get(reverse("volunteers:me")).content.decode().count(url) == 1
    response = client.post(url, _data())
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(pk=volunteer.pk)
    assert volunteer.phone == "13988887777" and volunteer.skills == ["急救", "辅导"]
    assert str(volunteer.insured_until) == "2027-06-30"
    assert {t.code for t in volunteer.service_types.all()} == {"elderly", "study"}
    windows = [(w.weekday, str(w.start), str(w.end)) for w in volunteer.availability.all()]
    assert windows == [(2, "18:00:00", "21:00:00")]


def test_bad_input_is_refused_and_kept(client, tree):
    account = grid_factories.user(role="resident", region=tree.compound_a)
    volunteer = factories.volunteer(region=tree.compound_a, account=account)
    client.force_login(account)
    url = reverse("volunteers:me_edit")
    for bad in (
        _data(**{"availability-0-end": "17:00"}),  # ends before it starts
        _data(phone="12345"),
        _data(insured_until="9999-12-31"),  # an extreme date
        _data(service_types=[]),
        _data(**{"availability-TOTAL_FORMS": "100000"}),  # a huge formset
    ):
        response = client.post(url, bad)
        assert response.status_code == 400, bad
    assert "急救，辅导" in client.post(url, _data(phone="1")).content.decode()  # what was typed is kept
    assert Volunteer.objects.get(pk=volunteer.pk).phone == volunteer.phone


def test_someone_not_registered_is_sent_to_register(client, tree):
    client.force_login(grid_factories.user(role="resident", region=tree.compound_a))
    response = client.get(reverse("volunteers:me_edit"))
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:register")
