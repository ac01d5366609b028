"""Racing sign-ups, on real connections in threads: the database decides, exactly one wins."""

import threading

import pytest
from django.db import connection

from core.errors import DomainError
from tests.grids import factories as grid_factories
from tests.volunteers import factories
from volunteers import services
from volunteers.models import Signup, SignupStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls) -> list:
    """Run each call in its own thread and connection, released together; their results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except DomainError as exc:
            results[index] = exc
        except Exception as exc:  # noqa: BLE001 (a deadlock or any other database error fails the test below)
            results[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.parametrize("attempt", range(8))
def test_racing_signups_for_overlapping_opportunities_book_once(tree, attempt):
    coordinator = grid_factories.user(role="volunteer_coordinator", region=tree.street_a)
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator)
    first = factories.opportunity(region=tree.community_a, user=coordinator, start_in_hours=30, hours=3)
    second = factories.opportunity(region=tree.community_a, user=coordinator, start_in_hours=31, hours=3)
    results = _race(
        [
            lambda: services.signup_create(volunteer=volunteer, opportunity=first),
            lambda: services.signup_create(volunteer=volunteer, opportunity=second),
        ]
    )
    assert sum(isinstance(r, Signup) for r in results) == 1, results
    assert sum(isinstance(r, DomainError) for r in results) == 1, results
    assert Signup.objects.filter(volunteer=volunteer, status=SignupStatus.ACTIVE).count() == 1


def test_racing_signups_for_the_last_place(tree):
    coordinator = grid_factories.user(role="volunteer_coordinator", region=tree.street_a)
    opportunity = factories.opportunity(region=tree.community_a, user=coordinator, places=1)
    people = [factories.volunteer(region=tree.community_a, actor=coordinator) for _ in range(3)]
    results = _race([lambda v=v: services.signup_create(volunteer=v, opportunity=opportunity) for v in people])
    assert sum(isinstance(r, Signup) for r in results) == 1
    assert Signup.objects.filter(opportunity=opportunity).count() == 1
