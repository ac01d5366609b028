from django.urls import path

from grids import views

app_name = "grids"

urlpatterns = [
    path("regions/", views.region_list, name="region_list"),
    path("regions/<int:pk>/", views.region_detail, name="region_detail"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
]
