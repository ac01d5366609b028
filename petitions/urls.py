from django.urls import include, path

app_name = "petitions"

urlpatterns = [
    path("", include("petitions.urls_public")),
    path("", include("petitions.urls_staff")),
    path("", include("petitions.urls_board")),
]
