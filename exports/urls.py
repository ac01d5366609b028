from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.new, name="new"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/progress/", views.progress, name="progress"),
    path("<uuid:pk>/download/", views.download, name="download"),
]
