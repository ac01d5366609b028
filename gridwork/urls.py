from django.urls import path

from gridwork import views

app_name = "gridwork"

urlpatterns = [
    path("field-days/", views.field_day_list, name="field_day_list"),
    path("field-days/new/", views.field_day_new, name="field_day_new"),
    path("field-days/<int:pk>/", views.field_day_detail, name="field_day_detail"),
    path("field-days/<int:pk>/findings/<int:finding_pk>/file/", views.finding_file, name="finding_file"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/resolutions/", views.resolution_add, name="resolution_add"),
    path("meetings/<int:pk>/resolutions/<int:resolution_pk>/file/", views.resolution_file, name="resolution_file"),
    path("meetings/<int:pk>/resolutions/<int:resolution_pk>/wish/", views.resolution_wish, name="resolution_wish"),
    path("services/", views.service_catalogue, name="service_catalogue"),
    path("services/<int:pk>/", views.service_centre, name="service_centre"),
    path("reception/", views.reception_list, name="reception_list"),
    path("reception/new/", views.reception_new, name="reception_new"),
    path("reception/<int:pk>/", views.reception_detail, name="reception_detail"),
    path("reception/<int:pk>/reveal/", views.reception_reveal, name="reception_reveal"),
    path("households/", views.household_list, name="household_list"),
    path("households/import/", views.household_import, name="household_import"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/reveal/", views.household_reveal, name="household_reveal"),
    path("households/<int:pk>/visits/", views.visit_new, name="visit_new"),
    path("households/<int:pk>/visits/<int:visit_pk>/file/", views.visit_file, name="visit_file"),
    path("households/<int:pk>/visits/<int:visit_pk>/wish/", views.visit_wish, name="visit_wish"),
    path("stations/", views.station_list, name="station_list"),
    path("stations/<int:pk>/", views.station_detail, name="station_detail"),
    path("stations/<int:pk>/members/", views.station_member_new, name="station_member_new"),
    path("stations/<int:pk>/members/<int:member_pk>/edit/", views.station_member_edit, name="station_member_edit"),
    path(
        "stations/<int:pk>/members/<int:member_pk>/remove/", views.station_member_remove, name="station_member_remove"
    ),
    path("stations/<int:pk>/reveal/", views.station_reveal, name="station_reveal"),
    path("stations/<int:pk>/activities/", views.station_activity_new, name="station_activity_new"),
    path("stations/<int:pk>/file/", views.station_file, name="station_file"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
