import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _in_english(english):
    """Messages are matched in the source language (services and pages alike)."""
    yield


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")
