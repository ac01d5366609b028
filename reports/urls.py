from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("units/", views.units, name="units"),
    path("backlog/", views.backlog, name="backlog"),
    path("monthly.pdf", views.monthly_pdf, name="monthly_pdf"),
]
