from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    """Each test writes its export files in a folder of its own."""
    folder = tmp_path / "exports"
    settings.EXPORT_DIR = str(folder)
    return folder


@pytest.fixture
def client():
    """Pages in English (the source language, so texts are matched as written in the code)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def zh_client():
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
