"""The deadline sweep (warnings, escalation) and the monthly zero-backlog sweep (月月清零)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from core import outbox
from core.models import Notification, OutboxMessage
from grids.roles import Role
from petitions import services, sweeps, tasks, timeline
from petitions.models import Deadline, Event, Klass, Level, MonthlySnapshot, Petition, PetitionAudit, Status
from petitions.reference import ensure_categories
from tests.grids import factories as grid_factories
from tests.petitions import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def restore_migration_data() -> None:
    """Put back the reference data a flush removed (tests/conftest.py also does it before each test)."""
    ensure_categories()


@pytest.fixture(scope="module")
def migration_data_restored(django_db_blocker):
    """A transactional test ends with a flush that empties every table, the categories the
    migrations seeded included: put them back for later tests and later ``--reuse-db`` sessions."""
    yield
    with django_db_blocker.unblock():
        restore_migration_data()


def real_transactions(test):
    """Commit for real (other connections see the rows); reference data is restored after it."""
    test = pytest.mark.django_db(transaction=True)(test)
    return pytest.mark.usefixtures("migration_data_restored")(test)


def _file(region, n: int = 0, **extra) -> Petition:
    return factories.petition(region=region, phone=f"1391234{n:04d}", **extra)


def _due(petition: Petition, *, kinds=None, ago: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Make the petition's running deadlines (of ``kinds``) fall due ``ago``."""
    now = timezone.now()
    rows = Deadline.objects.filter(petition=petition, met_at__isnull=True)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return rows.update(due_at=now - ago, warn_at=now - ago * 2)


def _warn_soon(petition: Petition) -> int:
    now = timezone.now()
    return Deadline.objects.filter(petition=petition, met_at__isnull=True).update(
        warn_at=now - dt.timedelta(minutes=1), due_at=now + dt.timedelta(hours=2)
    )


def _messages(event: str) -> list[dict]:
    rows = OutboxMessage.objects.filter(topic="petition", payload__event=event).order_by("id")
    return [m.payload for m in rows]


def _triaged(tree, n: int = 0) -> Petition:
    staff = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    return services.petition_triage(user=staff, petition=_file(tree.grid_a, n), klass=Klass.GENERAL, unit=tree.unit_a)


# --- Warnings -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_deadline_about_to_fall_due_warns_once(tree):
    petition = _file(tree.grid_a)
    assert _warn_soon(petition) == 1

    result = sweeps.sweep()

    assert result["warned"] == 1 and result["warning_events"] == 1 and result["breached"] == 0
    deadline = petition.deadlines.get(met_at__isnull=True)
    assert deadline.warned_at is not None and deadline.breached_at is None
    event = petition.timeline.get(kind=Event.Kind.WARNING)
    assert not event.public and event.data["deadline"] == Deadline.Kind.TRIAGE and event.text == ""
    due = timezone.localtime(petition.deadlines.get(kind=Deadline.Kind.TRIAGE).due_at)
    with translation.override("en"):
        assert timeline.system_lines(event) == [f"Triage is due at {due:%Y-%m-%d %H:%M}."]
    with translation.override("zh-hans"):
        (line,) = timeline.system_lines(event)
        assert f"{due:%Y-%m-%d %H:%M}" in line and "due" not in line
    assert _messages("warning") == [{"petition": petition.pk, "event": "warning", "deadlines": ["triage"]}]

    again = sweeps.sweep()
    assert again["warned"] == again["breached"] == again["messages"] == 0
    assert petition.timeline.filter(kind=Event.Kind.WARNING).count() == 1
    assert len(_messages("warning")) == 1


@pytest.mark.django_db
def test_nothing_warns_before_its_time(tree):
    petition = _file(tree.grid_a)  # the triage deadline starts now: warning is hours away
    assert sweeps.sweep() == {
        "warned": 0,
        "warning_events": 0,
        "breached": 0,
        "escalated": 0,
        "escalation_events": 0,
        "messages": 0,
    }
    assert not petition.timeline.filter(kind__in=[Event.Kind.WARNING, Event.Kind.ESCALATION]).exists()


@pytest.mark.django_db
def test_the_sweep_is_two_statements_whatever_the_number_of_items(tree):
    for n in range(12):
        petition = _file(tree.grid_a, n)
        _due(petition) if n % 2 else _warn_soon(petition)
    with CaptureQueriesContext(connection) as queries:
        result = sweeps.sweep()
    assert result["warned"] == 6 and result["escalated"] == 6
    statements = [q["sql"] for q in queries.captured_queries if "petitions_deadline" in q["sql"]]
    assert len(statements) == 2, statements


@pytest.mark.django_db
def test_the_sweep_audits_each_escalated_item_from_one_trigger_call(tree):
    """The audit triggers are statement-level (PGHISTORY_LEVEL): the breach statement's one trigger
    call writes an audit row for each item it escalated, under the sweep's one context, and none for
    the items it left alone."""
    items = [_file(tree.grid_a, n) for n in range(5)]
    for petition in items[:3]:
        _due(petition)

    assert sweeps.sweep()["escalated"] == 3

    rows = list(PetitionAudit.objects.filter(pgh_context__metadata__action="petition_sweep"))
    assert sorted(r.pgh_obj_id for r in rows) == sorted(p.pk for p in items[:3])
    assert {(r.pgh_label, r.level, r.escalation_count) for r in rows} == {("update", Level.STREET, 1)}
    assert len({r.pgh_context_id for r in rows}) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgtype & 1 = 1 FROM pg_trigger"  # bit 0 of tgtype: FOR EACH ROW
            " WHERE tgrelid = 'petitions_petition'::regclass AND tgname ~ '^pgtrigger_(update|delete)_'"
        )
        assert sorted(row_level for _, row_level in cursor.fetchall()) == [False, False]


# --- Breaches and escalation ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_breach_escalates_one_level_and_notifies_once(tree):
    petition = _file(tree.grid_a)
    assert petition.level == Level.COMMUNITY
    _due(petition)

    result = sweeps.sweep()

    assert result["breached"] == 1 and result["escalated"] == 1 and result["escalation_events"] == 1
    petition.refresh_from_db()
    assert petition.level == Level.STREET and petition.escalation_count == 1
    assert petition.deadlines.get(kind=Deadline.Kind.TRIAGE).breached_at is not None
    event = petition.timeline.get(kind=Event.Kind.ESCALATION)
    assert event.data == {"deadline": "triage", "deadlines": ["triage"], "from_level": 3, "to_level": 2}
    assert not event.public and event.text == ""  # told in each reader's language (petitions.timeline)
    with translation.override("en"):
        assert timeline.system_lines(event) == ["Overdue: Triage. Escalated from Community to Street."]
    with translation.override("zh-hans"):
        (line,) = timeline.system_lines(event)
        assert "Overdue" not in line and "社区" in line and "街道" in line
    assert _messages("escalated") == [{"petition": petition.pk, "event": "escalated", "level": Level.STREET}]

    again = sweeps.sweep()
    assert again["breached"] == again["escalated"] == again["messages"] == 0
    petition.refresh_from_db()
    assert petition.level == Level.STREET and petition.escalation_count == 1
    assert petition.timeline.filter(kind=Event.Kind.ESCALATION).count() == 1


@pytest.mark.django_db
def test_two_deadlines_breaching_together_escalate_once(tree):
    petition = _triaged(tree)
    assert _due(petition) == 2  # accept and resolve

    result = sweeps.sweep()

    assert result["breached"] == 2 and result["escalated"] == 1
    petition.refresh_from_db()
    assert petition.level == Level.STREET and petition.escalation_count == 1
    event = petition.timeline.get(kind=Event.Kind.ESCALATION)
    assert event.data["deadlines"] == ["accept", "resolve"]
    assert len(_messages("escalated")) == 1


@pytest.mark.django_db
def test_escalation_climbs_community_street_district_and_stops_there(tree):
    staff = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    petition = _file(tree.grid_a)
    _due(petition)
    sweeps.sweep()  # triage late: community → street
    petition = services.petition_triage(user=staff, petition=petition, klass=Klass.GENERAL, unit=tree.unit_a)
    _due(petition, kinds=[Deadline.Kind.ACCEPT])
    sweeps.sweep()  # acceptance late: street → district
    petition.refresh_from_db()
    assert (petition.level, petition.escalation_count) == (Level.DISTRICT, 2)

    _due(petition, kinds=[Deadline.Kind.RESOLVE])
    sweeps.sweep()  # resolution late: nowhere higher to go, the district hears again

    petition.refresh_from_db()
    assert (petition.level, petition.escalation_count) == (Level.DISTRICT, 3)
    levels = [(e.data["from_level"], e.data["to_level"]) for e in petition.timeline.filter(kind="escalation")]
    assert levels == [(3, 2), (2, 1), (1, 1)]
    assert [m["level"] for m in _messages("escalated")] == [2, 1, 1]


@pytest.mark.django_db
def test_a_street_item_goes_straight_to_the_district(tree):
    petition = _file(tree.street_a)
    assert petition.level == Level.STREET
    _due(petition)
    sweeps.sweep()
    petition.refresh_from_db()
    assert petition.level == Level.DISTRICT


@pytest.mark.django_db
def test_waiting_for_the_resident_never_warns_nor_breaches(tree):
    staff = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    petition = services.petition_accept(user=staff, petition=_triaged(tree))
    petition = services.petition_request_info(user=staff, petition=petition, question="请提供照片")
    assert petition.status == Status.WAITING
    _due(petition, ago=dt.timedelta(days=30))
    other = _file(tree.grid_a, 1)
    _warn_soon(other)
    Deadline.objects.filter(petition=other).update(paused_at=timezone.now())

    result = sweeps.sweep()

    assert result["warned"] == result["breached"] == 0
    petition.refresh_from_db()
    assert petition.level == Level.COMMUNITY and petition.escalation_count == 0
    assert not Deadline.objects.filter(warned_at__isnull=False).exists()


@pytest.mark.django_db
def test_met_deadlines_are_left_alone(tree):
    staff = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    petition = services.petition_accept(user=staff, petition=_triaged(tree))
    petition = services.petition_reply(user=staff, petition=petition, reply="已修复")
    Deadline.objects.filter(petition=petition).update(
        due_at=timezone.now() - dt.timedelta(days=3), warn_at=timezone.now() - dt.timedelta(days=4)
    )
    assert sweeps.sweep()["breached"] == 0
    petition.refresh_from_db()
    assert petition.escalation_count == 0


@real_transactions
def test_two_concurrent_sweeps_escalate_once(tree):
    """Two real transactions on two connections: the second runs while the first still holds its
    locks (uncommitted), then once more after it committed; each item climbs exactly once."""
    petitions = [_triaged(tree, n) for n in range(4)]
    for petition in petitions:
        _due(petition)
    now = timezone.now()
    first_swept, second_done = threading.Event(), threading.Event()
    results, errors = {}, []

    def first():
        try:
            with transaction.atomic():
                results["first"] = sweeps.sweep(now)
                first_swept.set()
                assert second_done.wait(30), "the second sweep blocked behind the first"
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            first_swept.set()
            connection.close()

    def second():
        try:
            assert first_swept.wait(30)
            started = time.monotonic()
            with transaction.atomic():
                results["second"] = sweeps.sweep(now)
            results["second_seconds"] = time.monotonic() - started
        except BaseException as exc:
            errors.append(exc)
        finally:
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors

    assert results["first"]["escalated"] == 4 and results["first"]["breached"] == 8
    assert results["second"]["escalated"] == 0 and results["second"]["breached"] == 0
    assert results["second_seconds"] < 5  # it skipped the locked rows instead of waiting
    assert sweeps.sweep(now)["escalated"] == 0  # and after the commit, compare-and-set
    for petition in petitions:
        petition.refresh_from_db()
        assert (petition.level, petition.escalation_count) == (Level.STREET, 1)
        assert petition.timeline.filter(kind=Event.Kind.ESCALATION).count() == 1
    assert len(_messages("escalated")) == 4


@real_transactions
def test_sweeps_started_together_share_the_work_without_doubling_it(tree):
    """Both sweeps start at the same instant, round after round: however their statements
    interleave, every item escalates once and the two results add up to the work there was."""
    for round_number in range(3):
        petitions = [_triaged(tree, 10 * round_number + n) for n in range(10)]
        for petition in petitions:
            _due(petition)
        now = timezone.now()
        barrier = threading.Barrier(2)
        results, errors = [], []

        def run(barrier=barrier, now=now, results=results, errors=errors):
            try:
                barrier.wait(30)
                results.append(sweeps.sweep(now))
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        assert sum(r["escalated"] for r in results) + sweeps.sweep(now)["escalated"] == 10
        counts = Petition.objects.filter(pk__in=[p.pk for p in petitions]).values_list("escalation_count", flat=True)
        assert sorted(counts) == [1] * 10
        assert Event.objects.filter(petition__in=petitions, kind=Event.Kind.ESCALATION).count() == 10
    assert len(_messages("escalated")) == 30


# --- Monthly zero backlog ---------------------------------------------------------------------------


def _backdate(petition: Petition, when: dt.datetime) -> None:
    Petition.objects.filter(pk=petition.pk).update(created_at=when)


@pytest.fixture
def last_month_items(tree):
    """In the month that ended: community A has two open items, one of them overdue, and one closed;
    community B one open, not overdue item; an item filed this month counts nowhere."""
    staff = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    now = timezone.now()
    month = sweeps.previous_month(now)
    inside = dt.datetime.combine(month.replace(day=10), dt.time(9), tzinfo=SHANGHAI)
    end = sweeps.month_end(month)
    overdue = _triaged(tree, 1)
    Deadline.objects.filter(petition=overdue, kind=Deadline.Kind.RESOLVE).update(due_at=end - dt.timedelta(days=2))
    on_time = _file(tree.grid_a, 2)
    Deadline.objects.filter(petition=on_time).update(due_at=end + dt.timedelta(days=2))
    closed = services.petition_accept(user=staff, petition=_triaged(tree, 3))
    closed = services.petition_reply(user=staff, petition=closed, reply="已处理")
    services.petition_close(user=staff, petition=closed)
    other = _file(tree.grid_b, 4)
    Deadline.objects.filter(petition=other).update(due_at=end + dt.timedelta(days=1))
    for petition in (overdue, on_time, closed, other):
        _backdate(petition, inside)
    _file(tree.grid_a, 5)  # filed now, after the month's end
    return month


@pytest.mark.django_db
def test_monthly_sweep_snapshots_every_region_down_to_the_communities(tree, last_month_items):
    result = sweeps.monthly_sweep()

    assert result == {"month": last_month_items.isoformat(), "inserted": 6, "messages": 6}
    figures = {
        s.region_id: (s.open_count, s.overdue_count) for s in MonthlySnapshot.objects.filter(month=last_month_items)
    }
    assert figures == {
        tree.district.pk: (3, 1),
        tree.street_a.pk: (2, 1),
        tree.community_a.pk: (2, 1),
        tree.community_a2.pk: (0, 0),  # nothing open there: a snapshot of zero all the same
        tree.street_b.pk: (1, 0),
        tree.community_b.pk: (1, 0),
    }  # compounds and grids (level 4, 5) have none
    assert OutboxMessage.objects.filter(topic=sweeps.MONTHLY_TOPIC).count() == 6


@pytest.mark.django_db
def test_rerunning_the_monthly_sweep_changes_nothing(tree, last_month_items):
    sweeps.monthly_sweep()
    before = list(MonthlySnapshot.objects.order_by("id").values())
    Petition.objects.update(status=Status.CLOSED)  # the backlog is cleared afterwards …

    again = sweeps.monthly_sweep()
    explicit = sweeps.monthly_sweep(last_month_items.replace(day=17))

    assert again["inserted"] == explicit["inserted"] == 0 and again["messages"] == explicit["messages"] == 0
    assert list(MonthlySnapshot.objects.order_by("id").values()) == before  # … but the month's figures stay
    assert OutboxMessage.objects.filter(topic=sweeps.MONTHLY_TOPIC).count() == 6


@pytest.mark.django_db
def test_a_region_added_later_gets_its_snapshot_alone(tree, last_month_items):
    sweeps.monthly_sweep()
    late = grid_factories.region(parent=tree.street_b, name="新社区")
    result = sweeps.monthly_sweep()
    assert result["inserted"] == 1 and result["messages"] == 1
    assert MonthlySnapshot.objects.get(region=late).open_count == 0


@pytest.mark.django_db
def test_the_default_month_is_the_previous_one_in_shanghai():
    # 1 March 00:30 in Shanghai is still 28 February in UTC: the month that ended is February.
    now = dt.datetime(2026, 3, 1, 0, 30, tzinfo=SHANGHAI)
    assert sweeps.previous_month(now) == dt.date(2026, 2, 1)
    assert sweeps.previous_month(dt.datetime(2026, 1, 15, tzinfo=SHANGHAI)) == dt.date(2025, 12, 1)
    assert sweeps.month_end(dt.date(2026, 2, 1)) == dt.datetime(2026, 3, 1, tzinfo=SHANGHAI)
    assert sweeps.month_end(dt.date(2025, 12, 5)) == dt.datetime(2026, 1, 1, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_the_monthly_notice_reaches_the_staff_of_each_region_once(tree, last_month_items):
    community = grid_factories.user(role=Role.COMMUNITY_STAFF, region=tree.community_a)
    street = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_b)
    district = grid_factories.user(role=Role.DISTRICT_STAFF, region=tree.district)
    sweeps.monthly_sweep()

    outbox.deliver()
    OutboxMessage.objects.filter(topic=sweeps.MONTHLY_TOPIC).update(delivered_at=None)
    outbox.deliver()  # delivered again after a crash: nobody hears twice

    assert not OutboxMessage.objects.filter(topic=sweeps.MONTHLY_TOPIC, delivered_at__isnull=True).exists()
    notices = Notification.objects.filter(message__topic=sweeps.MONTHLY_TOPIC)
    assert notices.filter(user=community).count() == 1
    assert notices.filter(user=street).count() == 1
    assert notices.filter(user=district).count() == 1
    notice = notices.get(user=community)
    assert f"?region={tree.community_a.pk}" in notice.url
    assert "2" in notice.headline and "1" in notice.headline


# --- Celery -------------------------------------------------------------------------------------------


@pytest.mark.celery_worker
@real_transactions
def test_the_sweep_task_runs_in_the_real_worker(tree, celery_worker_process):
    petition = _file(tree.grid_a)
    _due(petition)

    tasks.sweep.delay()

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        petition.refresh_from_db()
        if petition.escalation_count:
            break
        time.sleep(0.2)
    assert (petition.level, petition.escalation_count) == (Level.STREET, 1)
    assert petition.timeline.filter(kind=Event.Kind.ESCALATION).count() == 1


def test_the_tasks_retry_on_database_trouble():
    from django.db import OperationalError

    for task in (tasks.sweep, tasks.monthly_sweep):
        assert OperationalError in task.autoretry_for
        assert task.retry_backoff and task.max_retries


# --- The board ------------------------------------------------------------------------------------


def _board(client, user, **query):
    client.force_login(user)
    return client.get(reverse("petitions:board"), query)


@pytest.mark.django_db
def test_the_board_lists_what_must_be_cleared_in_scope_only(client, tree, english):
    staff = grid_factories.user(role=Role.COMMUNITY_STAFF, region=tree.community_a)
    mine, theirs, fine = _file(tree.grid_a, 1), _file(tree.grid_b, 2), _file(tree.grid_a, 3)
    _due(mine)
    _due(theirs)
    paused = _file(tree.grid_a, 4)
    _due(paused)
    Deadline.objects.filter(petition=paused).update(paused_at=timezone.now())

    client.cookies["django_language"] = "en"
    response = _board(client, staff)

    assert response.status_code == 200
    listed = [p.pk for p in response.context["overdue"]]
    assert listed == [mine.pk]
    body = response.content.decode()
    assert mine.tracking_code in body and theirs.tracking_code not in body and fine.tracking_code not in body
    assert "Triage overdue for" in body


@pytest.mark.django_db
def test_the_board_shows_month_end_figures_and_drills_down(client, tree, last_month_items, english):
    district = grid_factories.user(role=Role.DISTRICT_STAFF, region=tree.district)
    sweeps.monthly_sweep()

    top = _board(client, district)
    rows = {row.region.pk: [c.overdue_count if c else None for c in row.cells] for row in top.context["rows"]}
    assert top.context["months"] == [last_month_items]
    assert rows == {tree.district.pk: [1], tree.street_a.pk: [1], tree.street_b.pk: [0]}

    down = _board(client, district, region=tree.street_a.pk)
    rows = {row.region.pk: [(c.open_count, c.overdue_count) for c in row.cells] for row in down.context["rows"]}
    assert rows == {tree.street_a.pk: [(2, 1)], tree.community_a.pk: [(2, 1)], tree.community_a2.pk: [(0, 0)]}


@pytest.mark.django_db
def test_the_board_refuses_regions_outside_the_scope_or_below_communities(client, tree):
    staff = grid_factories.user(role=Role.COMMUNITY_STAFF, region=tree.community_a)
    assert _board(client, staff, region=tree.community_a.pk).status_code == 200
    assert _board(client, staff, region=tree.community_b.pk).status_code == 404
    assert _board(client, staff, region=tree.street_a.pk).status_code == 404
    assert _board(client, staff, region=tree.compound_a.pk).status_code == 404
    assert _board(client, staff, region="x").status_code == 404
    leader = grid_factories.user(role=Role.GRID_LEADER, region=tree.grid_a)
    assert _board(client, leader).status_code == 404


@pytest.mark.django_db
def test_the_board_pages_months_by_keyset(client, tree):
    district = grid_factories.user(role=Role.DISTRICT_STAFF, region=tree.district)
    for n in range(1, 9):
        sweeps.monthly_sweep(dt.date(2025, n, 1))
    first = _board(client, district)
    assert first.context["months"] == [dt.date(2025, n, 1) for n in range(8, 2, -1)]
    assert first.context["older"] == dt.date(2025, 3, 1)
    second = _board(client, district, before="2025-03")
    assert second.context["months"] == [dt.date(2025, 2, 1), dt.date(2025, 1, 1)]
    assert second.context["older"] is None


@pytest.mark.django_db
def test_the_board_costs_the_same_queries_for_few_or_many_items(client, tree):
    staff = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    sweeps.monthly_sweep(dt.date(2025, 1, 1))

    def queries_for_board() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _board(client, staff).status_code == 200
        return len(captured.captured_queries)

    queries_for_board()  # the first request also loads the session, content types and the like
    for n in range(2):
        _due(_file(tree.grid_a, n))
    few = queries_for_board()
    for n in range(2, 60):
        _due(_file(tree.grid_a, n))
    many = queries_for_board()
    response = _board(client, staff)
    assert len(response.context["overdue"]) == 50 and response.context["overdue_more"]
    assert few == many
