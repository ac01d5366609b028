"""Helpers run by tests/ops/test_faults.py in processes configured for the drill's own PostgreSQL:
``setup`` seeds a region tree, a street's staff and an API token and prints them as JSON; ``check``
prints, as JSON, whether every petition in the database is whole."""

from __future__ import annotations

import collections
import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhenhai.settings_test")
django.setup()

from django.db.models import Count  # noqa: E402

from accounts.tokens import api_token_create  # noqa: E402
from core.models import OutboxMessage  # noqa: E402
from grids.models import RoleAssignment  # noqa: E402
from grids.roles import Role  # noqa: E402
from petitions.models import Deadline, Event, Petition  # noqa: E402
from petitions.reference import ensure_categories  # noqa: E402
from tests.grids import factories as grid_factories  # noqa: E402
from tests.petitions import factories  # noqa: E402


def setup() -> dict:
    ensure_categories()
    district = grid_factories.region(name="镇海区")
    street = grid_factories.region(parent=district)
    community = grid_factories.region(parent=street)
    grid = grid_factories.region(parent=grid_factories.region(parent=community))
    staff = grid_factories.user(username="fault_staff", role=Role.STREET_STAFF, region=street)
    assignment = RoleAssignment.objects.get(user=staff)
    _token, key = api_token_create(assignment=assignment, name="fault drill", scopes=["petitions:write"])
    body = {
        "category": factories.category("road").code,
        "region": grid.pk,
        "title": "路灯不亮",
        "description": "3号楼前的路灯坏了。",
        "channel": "phone",
        "reporter_name": "王芳",
        "reporter_phone": "13912345678",
    }
    return {"key": key, "body": body}


def check() -> dict:
    ids = set(Petition.objects.values_list("id", flat=True))
    events = dict(Event.objects.values_list("petition").annotate(n=Count("id")))
    deadlines = dict(Deadline.objects.values_list("petition").annotate(n=Count("id")))
    outbox = collections.Counter(m.payload.get("petition") for m in OutboxMessage.objects.filter(topic="petition"))
    return {
        "ids": sorted(ids),
        "without_timeline": sorted(pk for pk in ids if events.get(pk, 0) < 2),
        "without_deadline": sorted(pk for pk in ids if not deadlines.get(pk)),
        "without_outbox": sorted(pk for pk in ids if not outbox.get(pk)),
        "outbox_for_nothing": sorted(pk for pk in outbox if pk not in ids),
    }


if __name__ == "__main__":
    print(json.dumps({"setup": setup, "check": check}[sys.argv[1]]()), flush=True)
