"""Fixtures for the API tests: users holding tokens, and clean throttle counters."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import tokens
from tests.grids import factories


def token_for(user, scopes=("petitions:read", "petitions:write"), *, role: str | None = None, **extra):
    """A token under the user's (only, or ``role``'s) assignment; returns (token, key)."""
    assignments = user.role_assignments.all()
    assignment = assignments.get(role=role) if role else assignments.get()
    return tokens.api_token_create(assignment=assignment, name="test", scopes=list(scopes), **extra)


def bearer(key: str, *, scheme: str = "Bearer", **extra) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"{scheme} {key}", **{"HTTP_ACCEPT_LANGUAGE": "en", **extra})


@pytest.fixture
def street_staff(tree):
    return factories.user(username="api_street", role="street_staff", region=tree.street_a)
