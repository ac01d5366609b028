import datetime as dt

from django.utils import timezone

from tests.grids import factories as grid_factories
from tests.volunteers import factories
from volunteers import figures, services


def test_section_counts_volunteers_hours_and_wishes(tree):
    coordinator = grid_factories.user(role="volunteer_coordinator", region=tree.street_a)
    volunteers = [factories.volunteer(region=tree.community_a, actor=coordinator) for _ in range(3)]
    factories.volunteer(region=tree.community_b, actor=coordinator)  # another street
    opportunity = factories.opportunity(region=tree.community_a, user=coordinator, start_in_hours=1, hours=2)
    for volunteer in volunteers[:2]:
        services.signup_create(volunteer=volunteer, opportunity=opportunity)
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    wish = services.wish_submit(user=staff, title="台灯", region=tree.community_a, pseudonym="小林", resident_name="林")
    wish = services.wish_verify(user=staff, wish=wish, accept=True)
    wish = services.wish_claim(user=coordinator, wish=wish, kind="volunteer", label="V")
    services.wish_fulfil(user=coordinator, wish=wish, proof="送到")
    month = timezone.localdate(opportunity.during.lower).replace(day=1)
    section = figures.section(user=coordinator, region=tree.street_a, start=month, end=month)
    values = {f.key: f.value for f in section.figures}
    assert values == {"registered": "3", "active": "2", "hours": "4.0", "wishes": "1"}
    later = (month + dt.timedelta(days=40)).replace(day=1)
    assert figures.section(user=coordinator, region=tree.street_a, start=later, end=later).figures[1].value == "0"
    resident = grid_factories.user(role="resident", region=tree.compound_a)
    assert figures.section(user=resident, region=tree.street_a, start=month, end=month) is None
    assert figures.section(user=coordinator, region=tree.street_b, start=month, end=month) is None
