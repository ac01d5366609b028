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
    # Hours: approved entries count, pending and rejected ones and another street's do not.
    now = timezone.now()
    entries = [
        services.hours_record(
            user=coordinator,
            volunteer=volunteers[0],
            region=tree.community_a,
            start=now - dt.timedelta(hours=4),
            end=now - dt.timedelta(hours=4) + dt.timedelta(minutes=minutes),
        )
        for minutes in (90, 60, 30)
    ]
    services.hours_decide(user=coordinator, entries=entries[:1], approve=True)
    services.hours_decide(user=coordinator, entries=entries[1:2], approve=False)
    admin = grid_factories.user(role="admin", region=tree.district)
    elsewhere = factories.volunteer(region=tree.community_b, actor=admin)
    other = services.hours_record(
        user=admin, volunteer=elsewhere, region=tree.community_b, start=now - dt.timedelta(hours=3), end=now
    )
    services.hours_decide(user=admin, entries=[other], approve=True)
    month = min(timezone.localdate(opportunity.during.lower), timezone.localdate(now - dt.timedelta(hours=4)))
    month = month.replace(day=1)
    last = timezone.localdate(opportunity.during.lower).replace(day=1)
    section = figures.section(user=coordinator, region=tree.street_a, start=month, end=last)
    values = {f.key: f.value for f in section.figures}
    assert values == {"registered": "3", "active": "2", "hours": "1.5", "wishes": "1"}
    later = (month + dt.timedelta(days=40)).replace(day=1)
    assert figures.section(user=coordinator, region=tree.street_a, start=later, end=later).figures[1].value == "0"
    resident = grid_factories.user(role="resident", region=tree.compound_a)
    assert figures.section(user=resident, region=tree.street_a, start=month, end=month) is None
    assert figures.section(user=coordinator, region=tree.street_b, start=month, end=month) is None
