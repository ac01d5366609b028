from django.urls import path

from funds import views

app_name = "funds"

urlpatterns = [
    path("", views.public_list, name="public_list"),
    path("<int:pk>/", views.public_detail, name="public_detail"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/new/", views.manage_new, name="manage_new"),
    path("manage/<int:pk>/", views.manage_detail, name="manage_detail"),
    path("manage/<int:pk>/<slug:action>/", views.manage_action, name="manage_action"),
    path("panel/", views.panel, name="panel"),
    path("panel/<int:pk>/", views.vote, name="vote"),
]
