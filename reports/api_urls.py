"""URLs of the reports API, mounted at /api/v1/reports/ (namespace ``reports_api``)."""

from django.urls import path

from reports import api

urlpatterns = [
    path("kpis/", api.KpiView.as_view(), name="kpis"),
]
