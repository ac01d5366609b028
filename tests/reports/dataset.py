"""A small known data set for the KPI reports, walked through the real petition services.

Items of March 2026 (the month ``MONTH``), in the ``tree`` fixture's two streets:

| item | region | category | channel | unit | story | status |
| --- | --- | --- | --- | --- | --- | --- |
| A1 | grid_a | road | grid | — | solved on the spot (00:30 on 1 March), resident satisfied | closed |
| A2 | grid_a | road | web | unit_a | replied on time, basically satisfied | closed |
| A3 | grid_a | road | web | unit_a | unsatisfied → rework → replied late → satisfied | closed |
| A4 | grid_a | road | web | unit_a | replied on time, closed without evaluation | closed |
| A5 | grid_a | road | web | unit_a | returned (退回), re-routed, replied on time | replied |
| A6 | grid_a | street_light | web | — | not triaged, escalated by the sweep | new |
| A7 | grid_a | street_light | web | — | merged into A6 (not counted) | merged |
| A8 | grid_a | street_light | web | unit_a | replied, unsatisfied: in rework now | accepted |
| B1 | grid_b | road | phone | unit_b | replied late, resident satisfied, third party unsatisfied later | closed |
| B2 | grid_b | water | web | — | kept by the community, replied on time, no evaluation | replied |

And B3 in February (grid_b, replied on time, satisfied) for the month-on-month change, and C1
in April (outside the period). Working minutes to reply: A1 0 (on the spot), A2 120, A3 600,
A4 60, A5 300, B1 90, B2 left empty (NULL: not averaged).

Hand-computed for March, whole district: collected 9; replied or closed 7 (A1–A5, B1, B2);
first-time 5 (A1, A2, A4, B1, B2); on time 5 of 7 (A3, B1 late); evaluated 5 (A1 satisfied,
A2 basic, A3 satisfied, A8 unsatisfied, B1 unsatisfied — the third party's is the latest);
not evaluated 3 of 7 (A4, A5, B2); reworked 1 of 7 (A3; A8 is not replied); escalated 1 of 9
(A6); working time 1170 min over 6 items = 3.25 h.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import F
from django.utils import timezone

from petitions import services, sweeps
from petitions.models import Channel, Deadline, Evaluation, Event, Klass, Petition
from tests.grids import factories as grid_factories
from tests.petitions import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = dt.date(2026, 3, 1)
PREVIOUS = dt.date(2026, 2, 1)
NEXT = dt.date(2026, 4, 1)

_phones = iter(range(10_000))


def _file(region, code: str = "road", channel: str = Channel.WEB, **extra) -> Petition:
    return factories.petition(region=region, code=code, channel=channel, phone=f"1380013{next(_phones):04d}", **extra)


def move_to(petition: Petition, when: dt.datetime) -> None:
    """Shift the item's whole history so that it was filed at ``when``."""
    petition.refresh_from_db()
    delta = when - petition.created_at
    Petition.objects.filter(pk=petition.pk).update(
        **{f: F(f) + delta for f in ("created_at", "updated_at", "replied_at", "closed_at", "resolve_by")}
    )
    Evaluation.objects.filter(petition=petition).update(created_at=F("created_at") + delta)
    Event.objects.filter(petition=petition).update(created_at=F("created_at") + delta)


def late(petition: Petition) -> None:
    """Make the latest reply come an hour after the resolution deadline."""
    petition.refresh_from_db()
    Petition.objects.filter(pk=petition.pk).update(replied_at=petition.resolve_by + dt.timedelta(hours=1))


def minutes(petition: Petition, value: int | None) -> None:
    Petition.objects.filter(pk=petition.pk).update(work_minutes_to_reply=value)


class KnownSet:
    """Builds the items; ``items`` maps the names above to petitions (reloaded)."""

    def __init__(self, tree):
        self.tree = tree
        self.staff = grid_factories.user(role="district_staff", region=tree.district)
        self.items: dict[str, Petition] = {}

    def _routed(self, region, unit, **extra) -> Petition:
        petition = _file(region, **extra)
        petition = services.petition_triage(user=self.staff, petition=petition, klass=Klass.GENERAL, unit=unit)
        return services.petition_accept(user=self.staff, petition=petition)

    def _reply(self, petition: Petition) -> Petition:
        return services.petition_reply(user=self.staff, petition=petition, reply="已处理。")

    def _evaluate(self, petition: Petition, rating: str, source: str = Evaluation.Source.RESIDENT) -> None:
        by = self.staff if source != Evaluation.Source.RESIDENT else None
        services.petition_evaluate(petition=petition, rating=rating, source=source, by=by)

    def build(self) -> KnownSet:
        t, s = self.tree, self.staff
        rating = Evaluation.Rating
        a1 = _file(t.grid_a, channel=Channel.GRID, solved_on_spot=True, on_spot_note="当场修好了。", filed_by=s)
        self._evaluate(a1, rating.SATISFIED)

        a2 = self._reply(self._routed(t.grid_a, t.unit_a))
        self._evaluate(a2, rating.BASIC)

        a3 = self._reply(self._routed(t.grid_a, t.unit_a))
        self._evaluate(a3, rating.UNSATISFIED)
        a3 = self._reply(Petition.objects.get(pk=a3.pk))
        late(a3)
        self._evaluate(a3, rating.SATISFIED)

        a4 = self._reply(self._routed(t.grid_a, t.unit_a))
        services.petition_close(user=s, petition=a4, note="未评价，按期办结。")

        a5 = services.petition_triage(user=s, petition=_file(t.grid_a), klass=Klass.GENERAL, unit=t.unit_a)
        a5 = services.petition_return(user=s, petition=a5, reason="不属于本单位。")
        a5 = services.petition_triage(user=s, petition=a5, klass=Klass.GENERAL, unit=t.unit_a)
        a5 = self._reply(services.petition_accept(user=s, petition=a5))

        a6 = _file(t.grid_a, code="street_light")
        Deadline.objects.filter(petition=a6, met_at__isnull=True).update(
            due_at=timezone.now() - dt.timedelta(hours=1), warn_at=timezone.now() - dt.timedelta(hours=2)
        )
        assert sweeps.sweep()["escalated"] == 1
        a7 = services.petition_merge(user=s, petition=_file(t.grid_a, code="street_light"), into=a6)

        a8 = self._reply(self._routed(t.grid_a, t.unit_a, code="street_light"))
        self._evaluate(a8, rating.UNSATISFIED)

        b1 = self._reply(self._routed(t.grid_b, t.unit_b, channel=Channel.PHONE))
        late(b1)
        self._evaluate(b1, rating.SATISFIED)
        self._evaluate(b1, rating.UNSATISFIED, source=Evaluation.Source.THIRD_PARTY)

        b2 = services.petition_self_handle(user=s, petition=_file(t.grid_b, code="water"), klass=Klass.ROUTINE)
        b2 = self._reply(b2)

        b3 = self._reply(self._routed(t.grid_b, t.unit_b))
        self._evaluate(b3, rating.SATISFIED)
        c1 = _file(t.grid_a)

        # A1 at 00:30 on 1 March in Shanghai: still February in UTC, March in the report.
        march = dt.datetime(2026, 3, 1, 0, 30, tzinfo=SHANGHAI)
        for index, item in enumerate([a1, a2, a3, a4, a5, a6, a7, a8, b1, b2]):
            move_to(item, march + dt.timedelta(days=index * 2, hours=index))
        move_to(b3, dt.datetime(2026, 2, 28, 23, 30, tzinfo=SHANGHAI))  # the last half hour of February
        move_to(c1, dt.datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI))  # the first instant of April
        for item, value in [(a2, 120), (a3, 600), (a4, 60), (a5, 300), (b1, 90), (b2, None), (b3, 45)]:
            minutes(item, value)
        names = ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "b1", "b2", "b3", "c1"]
        objects = [a1, a2, a3, a4, a5, a6, a7, a8, b1, b2, b3, c1]
        fresh = Petition.objects.in_bulk([p.pk for p in objects])
        self.items = {name.upper(): fresh[p.pk] for name, p in zip(names, objects, strict=True)}
        return self
