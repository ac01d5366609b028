import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.models import PersonalDataReveal
from petitions.models import Event
from tests.grids import factories as grid_factories
from tests.petitions import factories as petition_factories
from tests.volunteers import factories
from volunteers import identity, services
from volunteers.models import OpportunityStatus, Signup, SignupStatus, Volunteer


@pytest.fixture
def coordinator(tree):
    return grid_factories.user(role="volunteer_coordinator", region=tree.street_a)


def test_register_stores_the_id_encrypted_with_a_number(tree, coordinator):
    number = factories.national_id()
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator, number=number, skills=[" First Aid "])
    volunteer.refresh_from_db()
    assert volunteer.number.startswith("V") and len(volunteer.number) == 10
    assert number not in volunteer.id_encrypted
    assert identity.decrypt(volunteer.id_encrypted) == number
    assert volunteer.id_hash == identity.keyed_hash(number)
    assert volunteer.skills == ["first aid"]
    assert volunteer.consent_version and volunteer.consent_at


def test_one_person_registers_once(tree, coordinator):
    number = factories.national_id()
    factories.volunteer(region=tree.community_a, actor=coordinator, number=number)
    with pytest.raises(DomainError) as caught:
        factories.volunteer(region=tree.community_b, actor=coordinator, number=number.lower(), phone="13800000000")
    assert caught.value.field == "national_id"
    assert Volunteer.objects.count() == 1


def test_invalid_id_changes_nothing(tree, coordinator):
    with pytest.raises(DomainError) as caught:
        factories.volunteer(region=tree.community_a, actor=coordinator, number="110105194912310021")
    assert caught.value.field == "national_id"
    assert not Volunteer.objects.exists()


def test_availability_must_end_after_it_starts(tree, coordinator):
    window = services.Window(0, dt.time(18), dt.time(9))
    with pytest.raises(DomainError):
        factories.volunteer(region=tree.community_a, actor=coordinator, availability=[window])
    assert not Volunteer.objects.exists()


def test_minor_needs_a_guardian(tree, coordinator):
    today = timezone.localdate()
    born = dt.date(today.year - 15, 1, 1)
    with pytest.raises(DomainError):
        factories.volunteer(region=tree.community_a, actor=coordinator, number=factories.national_id(born))
    minor = factories.volunteer(
        region=tree.community_a,
        actor=coordinator,
        number=factories.national_id(born),
        guardian_name="李家长",
        guardian_phone="13700000000",
        guardian_consent=True,
    )
    assert minor.guardian_consent_at is not None


def test_reveal_is_logged(tree, coordinator):
    number = factories.national_id()
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator, number=number)
    shown = services.volunteer_reveal(user=coordinator, volunteer=volunteer)
    assert shown["national_id"] == number
    log = PersonalDataReveal.objects.get()
    assert (log.user, log.object_type, log.object_id) == (coordinator, "volunteers.volunteer", volunteer.pk)


def test_signup_takes_a_place_and_a_full_opportunity_refuses(tree, coordinator, english):
    opportunity = factories.opportunity(region=tree.community_a, user=coordinator, places=1)
    first = factories.volunteer(region=tree.community_a, actor=coordinator)
    second = factories.volunteer(region=tree.community_a, actor=coordinator)
    services.signup_create(volunteer=first, opportunity=opportunity)
    with pytest.raises(DomainError, match="full"):
        services.signup_create(volunteer=second, opportunity=opportunity)
    with pytest.raises(DomainError):
        services.signup_create(volunteer=first, opportunity=opportunity)
    assert Signup.objects.count() == 1


def test_overlapping_signups_are_refused_by_the_database(tree, coordinator, english):
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator)
    morning = factories.opportunity(region=tree.community_a, user=coordinator, start_in_hours=48, hours=3)
    overlapping = factories.opportunity(region=tree.community_a, user=coordinator, start_in_hours=50, hours=2)
    start = morning.during.upper
    later = services.opportunity_create(
        user=coordinator,
        title="later",
        region=tree.community_a,
        service_type=factories.service_type(),
        start=start,
        end=start + dt.timedelta(hours=1),
        places=1,
    )
    services.signup_create(volunteer=volunteer, opportunity=morning)
    with pytest.raises(DomainError, match="overlapping"):
        services.signup_create(volunteer=volunteer, opportunity=overlapping)
    services.signup_create(volunteer=volunteer, opportunity=later)  # [) ranges: touching is fine
    signup = Signup.objects.get(opportunity=morning)
    services.signup_cancel(volunteer=volunteer, signup=signup)
    services.signup_cancel(volunteer=volunteer, signup=Signup.objects.get(opportunity=later))
    services.signup_create(volunteer=volunteer, opportunity=overlapping)  # free again once cancelled
    assert Signup.objects.filter(status=SignupStatus.ACTIVE).count() == 1


def test_insurance_required(tree, coordinator):
    opportunity = factories.opportunity(region=tree.community_a, user=coordinator, insurance_required=True)
    uninsured = factories.volunteer(region=tree.community_a, actor=coordinator)
    with pytest.raises(DomainError):
        services.signup_create(volunteer=uninsured, opportunity=opportunity)
    insured = factories.volunteer(
        region=tree.community_a, actor=coordinator, insured_until=timezone.localdate() + dt.timedelta(days=30)
    )
    services.signup_create(volunteer=insured, opportunity=opportunity)


def test_opportunity_time_must_make_sense(tree, coordinator):
    start = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(DomainError):
        services.opportunity_create(
            user=coordinator,
            title="x",
            region=tree.community_a,
            service_type=factories.service_type(),
            start=start,
            end=start,
            places=1,
        )


def test_opportunity_from_a_petition_is_on_its_timeline(tree, coordinator):
    petition = petition_factories.petition(region=tree.grid_a)
    opportunity = factories.opportunity(region=tree.community_a, user=coordinator, petition=petition, title="清理楼道")
    entry = Event.objects.get(petition=petition, action="volunteers.opportunity")
    assert entry.data["title"] == "清理楼道"
    services.opportunity_set_status(user=coordinator, opportunity=opportunity, status=OpportunityStatus.CLOSED)
    assert Event.objects.filter(petition=petition, action="volunteers.outcome").exists()
    with pytest.raises(DomainError):
        services.opportunity_set_status(user=coordinator, opportunity=opportunity, status=OpportunityStatus.CLOSED)


def test_insurance_reminder_once_per_policy_end(tree, coordinator, settings):
    from core.models import Notification

    settings.VOLUNTEER_INSURANCE_REMIND_DAYS = 14
    today = timezone.localdate()
    soon = factories.volunteer(
        region=tree.community_a,
        account=grid_factories.user(role="resident", region=tree.compound_a),
        insured_until=today + dt.timedelta(days=10),
    )
    factories.volunteer(  # ends later: not yet
        region=tree.community_a,
        account=grid_factories.user(role="resident", region=tree.compound_a),
        insured_until=today + dt.timedelta(days=40),
    )
    factories.volunteer(region=tree.community_a, actor=coordinator, insured_until=today)  # no account to tell
    assert services.insurance_remind(today=today) == 1
    assert services.insurance_remind(today=today) == 0
    note = Notification.objects.get()
    assert note.user == soon.user and note.kind == "volunteers.insurance"
    Volunteer.objects.filter(pk=soon.pk).update(insured_until=today + dt.timedelta(days=12))  # renewed, ends again
    assert services.insurance_remind(today=today) == 1
