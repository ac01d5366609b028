"""The API's own pages: the OpenAPI schema and its offline documentation (issue 4)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
