from io import StringIO

from django.core.management import call_command

from volunteers.models import Certificate, Opportunity, ServiceHours, Volunteer, Wish, WishStatus


def test_demo_seeds_volunteers_opportunities_and_wishes_once(db):
    call_command("seed_demo", "--scale", "demo", stdout=StringIO())
    counts = (Volunteer.objects.count(), Opportunity.objects.count(), Wish.objects.count())
    assert counts[0] >= 10 and counts[1] >= 4 and counts[2] >= 5
    assert Opportunity.objects.exclude(petition=None).exists()
    assert Certificate.objects.exists() and ServiceHours.objects.filter(status="pending").count() == 2
    assert set(Wish.objects.values_list("status", flat=True)) == set(WishStatus.values) - {WishStatus.REJECTED}
    call_command("seed_demo", "--scale", "demo", stdout=StringIO())
    assert (Volunteer.objects.count(), Opportunity.objects.count(), Wish.objects.count()) == counts
