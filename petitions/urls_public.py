"""Intake (staff) and the public pages (no sign-in), under /petitions/."""

from django.urls import path

from petitions.views import intake, public

urlpatterns = [
    path("new/", intake.intake, name="intake"),
    path("new/duplicates/", intake.intake_duplicates, name="intake_duplicates"),
    path("new/<int:pk>/done/", intake.intake_done, name="intake_done"),
    path("report/", public.report, name="public_report"),
    path("report/places/", public.regions, name="public_regions"),
    path("report/done/", public.report_done, name="public_report_done"),
    path("status/", public.status, name="public_status"),
    path("mine/", public.mine, name="mine"),
    path("mine/<str:code>/", public.mine_detail, name="mine_detail"),
    path("evaluate/<str:code>/<str:token>/", public.evaluate, name="public_evaluate"),
]
