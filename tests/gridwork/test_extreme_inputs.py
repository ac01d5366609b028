"""Extreme values for every filter, the dashboard's parameters and every cursor of grid work's
pages (the project's lists in tests/test_extreme_inputs.py): a page or a clear 4xx, never a 5xx."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from gridwork import filters
from gridwork.forms import DashboardForm
from tests.grids import factories as grid_factories
from tests.gridwork import factories
from tests.test_extreme_inputs import CURSORS, EXTREMES

pytestmark = pytest.mark.django_db

PAGES = {
    "gridwork:field_day_list": filters.FieldDayFilter,
    "gridwork:meeting_list": filters.MeetingFilter,
    "gridwork:reception_list": filters.ReceptionFilter,
    "gridwork:household_list": filters.HouseholdFilter,
    "gridwork:service_centre": filters.ServiceItemFilter,
    "gridwork:dashboard": DashboardForm,
}
CURSOR_PAGES = [
    "gridwork:field_day_list",
    "gridwork:meeting_list",
    "gridwork:reception_list",
    "gridwork:household_list",
    "gridwork:station_list",
]


def _names(source) -> list[str]:
    return list(source.base_filters) if hasattr(source, "base_filters") else list(source.base_fields)


def test_extreme_values_never_fail(tree):
    staff = grid_factories.user(role="district_staff", region=tree.district)
    centre = factories.centre(region=tree.community_a)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    failures = []
    for url_name, source in PAGES.items():
        url = (
            reverse(url_name, kwargs={"pk": centre.pk}) if url_name == "gridwork:service_centre" else reverse(url_name)
        )
        names = _names(source)
        for value in EXTREMES:
            for query in [*({name: value} for name in names), dict.fromkeys(names, value)]:
                response = client.get(url + "?" + urlencode(query))
                if response.status_code >= 500:
                    failures.append(f"{url_name} {query!r:.60}: {response.status_code}")
    for url_name in CURSOR_PAGES:
        for cursor in CURSORS:
            response = client.get(reverse(url_name) + "?" + urlencode({"cursor": cursor}))
            if response.status_code >= 500:
                failures.append(f"{url_name} cursor={cursor[:40]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("url_name", ["gridwork:field_day_list", "gridwork:meeting_list", "gridwork:reception_list"])
def test_a_filter_that_does_not_parse_is_a_400_that_keeps_what_was_typed(tree, url_name):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(grid_factories.user(role="community_staff", region=tree.community_a))
    good = client.get(reverse(url_name), {"date_from": "2026-01-01"})
    bad = client.get(reverse(url_name), {"date_from": "2026-13-45"})
    assert good.status_code == 200
    assert bad.status_code == 400 and 'value="2026-13-45"' in bad.content.decode()
