from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("me/", views.me, name="me"),
    path("opportunities/", views.opportunities, name="opportunities"),
    path("opportunities/<int:pk>/", views.opportunity, name="opportunity"),
    path("signups/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("staff/", views.volunteer_list, name="list"),
    path("staff/new/", views.volunteer_add, name="add"),
    path("staff/<str:number>/", views.volunteer_detail, name="detail"),
    path("staff/<str:number>/reveal/", views.volunteer_reveal, name="reveal"),
    path("manage/opportunities/", views.staff_opportunities, name="staff_opportunities"),
    path("manage/opportunities/new/", views.opportunity_new, name="opportunity_new"),
    path("manage/opportunities/fill/", views.opportunity_fill, name="opportunity_fill"),
    path("manage/opportunities/<int:pk>/", views.opportunity_manage, name="opportunity_manage"),
    path("manage/opportunities/<int:pk>/invite/", views.opportunity_invite, name="opportunity_invite"),
]
