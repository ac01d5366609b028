"""Schema-driven fuzzing (schemathesis) of the whole REST API against the real app.

Every operation of the served OpenAPI schema gets valid and invalid input, as a street staff
member's token with every scope of the REST API (petitions read and write, reports). Valid input
is anchored to real rows half of the time (the ids of items in every state, a real category,
region and unit), so reads and writes really run, not only 404s and 400s. No input may cause a
server error, and every answer must match the schema (status code, content type, body). Runs
in-process through the WSGI app, inside the test's transaction.

(schemathesis' own pytest plugin does not run on pytest 9, so each operation runs as a plain
Hypothesis test; a failure lists every operation that failed, with a curl command to reproduce.)
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from petitions import services
from petitions.models import Klass
from tests.api.conftest import token_for
from tests.grids import factories
from tests.petitions import factories as petition_factories

pytestmark = pytest.mark.django_db

# Per operation and mode: ~21 operations × 2 modes stay well under a minute. A deeper, random run:
# API_FUZZ_EXAMPLES=200 pytest tests/api/test_fuzz.py
DEEP = os.environ.get("API_FUZZ_EXAMPLES")
EXAMPLES = int(DEEP or 12)


@schemathesis.check
def content_type_of_routed_answers(ctx, response, case):
    """Content type as documented, except for a URL no route matches (an id holding a "/"), which
    Django answers with the site's HTML 404 page before any API code runs."""
    from urllib.parse import unquote, urlsplit

    from django.urls import Resolver404, resolve

    if response.status_code == 404:
        try:
            resolve(unquote(urlsplit(response.request.url).path))
        except Resolver404:
            return None
    return content_type_conformance(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, content_type_of_routed_answers, response_schema_conformance]


@dataclass
class Fuzz:
    key: str
    ids: list[int]  # items in scope, in every state
    real: dict  # body fields that name rows: real values to anchor valid input to


@pytest.fixture
def fuzz(tree, settings) -> Fuzz:
    settings.API_THROTTLE_TOKEN = "1000000/minute"
    settings.PETITION_EVALUATION_RATE = "1000000/minute"
    staff = factories.user(username="fuzz_street", role="street_staff", region=tree.street_a)

    def routed(klass=Klass.GENERAL, **extra):
        item = petition_factories.petition(region=tree.grid_a, **extra)
        return services.petition_triage(user=staff, petition=item, klass=klass, unit=tree.unit_a)

    new = petition_factories.petition(region=tree.grid_a)
    assigned = routed(phone="13912340001")
    major = services.petition_accept(user=staff, petition=routed(Klass.MAJOR))  # waits for its joint meeting
    replied = services.petition_reply(
        user=staff, petition=services.petition_accept(user=staff, petition=routed()), reply="已修复"
    )
    outside = petition_factories.petition(region=tree.grid_b)  # outside the scope: 404
    _token, key = token_for(staff, ["petitions:read", "petitions:write", "reports:read"])
    real = {"category": "road", "region": tree.grid_a.pk, "unit": tree.unit_a.pk, "co_units": [], "into": new.pk}
    return Fuzz(key=key, ids=[new.pk, assigned.pk, major.pk, replied.pk, outside.pk], real=real)


@pytest.fixture
def in_process_wsgi():
    """Django's WSGI handler closes the database connection after each request; in a test that
    would end the test's transaction. Django's own test client disconnects the same receivers."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _strategy(operation, mode: GenerationMode, fuzz: Fuzz):
    if mode == GenerationMode.NEGATIVE:
        return operation.as_strategy(generation_mode=mode)
    has_id = "{id}" in operation.path
    cases = (
        st.one_of([operation.as_strategy(path_parameters={"id": pk}) for pk in fuzz.ids])
        if has_id
        else operation.as_strategy()
    )

    def anchor(pair):
        case, anchored = pair
        if anchored and isinstance(case.body, dict):
            case.body.update({name: value for name, value in fuzz.real.items() if name in case.body})
        return case

    return st.tuples(cases, st.booleans()).map(anchor)


def _run(operation, mode: GenerationMode, fuzz: Fuzz, seen: Counter) -> None:
    headers = {"Authorization": f"Bearer {fuzz.key}"}

    @given(case=_strategy(operation, mode, fuzz))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not DEEP,  # the same cases every run: a red build is reproducible
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        seen[(operation.label, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def test_no_input_causes_a_server_error_and_answers_match_the_schema(fuzz, in_process_wsgi):
    from zhenhai.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    failures, operations, seen = [], 0, Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, fuzz, seen)
            except (Exception, BaseExceptionGroup) as exc:  # collect them all, then fail once with the list
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:3000]}")
    assert operations >= 20, "the schema lost its operations"
    if DEEP:
        print("\n".join(f"{label} → {status}: {count}" for (label, status), count in sorted(seen.items())))
    assert not failures, "\n\n".join(failures)
    # Not only refusals: reads and writes went through (filing, and moves on items in scope).
    ok = {label for (label, status), _count in seen.items() if status < 300}
    assert {"GET /api/v1/petitions/", "POST /api/v1/petitions/", "GET /api/v1/petitions/{id}/"} <= ok, sorted(ok)
    assert len({label for label in ok if label.startswith("POST /api/v1/petitions/{id}/")}) >= 5, sorted(ok)
