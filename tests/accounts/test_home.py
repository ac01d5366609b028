"""What apps add to a role home page (``accounts.home``): actions and panels, for that role only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import home
from grids.roles import Role
from tests.grids import factories

pytestmark = pytest.mark.django_db


def test_an_app_draws_a_panel_on_the_home_page_of_the_role_it_serves(client, tree, monkeypatch):
    monkeypatch.setattr(home, "_panels", [])
    calls = []

    def provider(user, role):
        calls.append(role)
        if role == Role.GRID_LEADER:
            yield home.HomePanel("Field days this week", "core/_related.html", {}, order=5)
            yield home.HomePanel("Open items in my grids", "core/_related.html", {}, order=1)

    home.register_panel(provider)
    home.register_panel(provider)  # a second ready() adds nothing
    leader = factories.user(username="leader", role=Role.GRID_LEADER, region=tree.grid_a)
    leader.role_assignments.create(role=Role.COMMUNITY_STAFF, region=tree.community_a)
    client.force_login(leader)

    body = client.get(reverse("accounts:role_home", kwargs={"role": "grid_leader"})).content.decode()
    assert body.index("Open items in my grids") < body.index("Field days this week")  # by order
    assert body.count('data-testid="home-panel"') == 2
    body = client.get(reverse("accounts:role_home", kwargs={"role": "community_staff"})).content.decode()
    assert "Field days this week" not in body and 'data-testid="home-panel"' not in body
    assert calls == [Role.GRID_LEADER, Role.COMMUNITY_STAFF]
