from django.urls import path

from volunteers import views, views_wishes

app_name = "volunteers"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("me/", views.me, name="me"),
    path("me/edit/", views.me_edit, name="me_edit"),
    path("opportunities/", views.opportunities, name="opportunities"),
    path("opportunities/<int:pk>/", views.opportunity, name="opportunity"),
    path("signups/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("signups/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("hours/<int:pk>/check-out/", views.check_out, name="check_out"),
    path("manage/hours/", views.hours_queue, name="hours_queue"),
    path("manage/hours/new/", views.hours_new, name="hours_new"),
    path("staff/", views.volunteer_list, name="list"),
    path("staff/new/", views.volunteer_add, name="add"),
    path("staff/<str:number>/", views.volunteer_detail, name="detail"),
    path("staff/<str:number>/reveal/", views.volunteer_reveal, name="reveal"),
    path("staff/<str:number>/certificate/", views.certificate_issue, name="certificate_issue"),
    path("certificates/verify/", views.certificate_verify, name="verify"),
    path("certificates/<str:number>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("manage/opportunities/", views.staff_opportunities, name="staff_opportunities"),
    path("manage/opportunities/new/", views.opportunity_new, name="opportunity_new"),
    path("manage/opportunities/fill/", views.opportunity_fill, name="opportunity_fill"),
    path("manage/opportunities/<int:pk>/", views.opportunity_manage, name="opportunity_manage"),
    path("manage/opportunities/<int:pk>/invite/", views.opportunity_invite, name="opportunity_invite"),
    path("manage/organisations/", views.organisation_list, name="organisations"),
    path("manage/organisations/new/", views.organisation_new, name="organisation_new"),
    path("manage/organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("manage/organisations/<int:pk>/members/", views.organisation_member, name="organisation_member"),
    path(
        "manage/organisations/<int:pk>/members/remove/",
        views.organisation_member_remove,
        name="organisation_member_remove",
    ),
    path("manage/organisations/<int:pk>/policies/", views.organisation_policy, name="organisation_policy"),
    path("wishes/", views_wishes.wall, name="wall"),
    path("wishes/<str:code>/", views_wishes.wish, name="wish"),
    path("wishes/<str:code>/claim/", views_wishes.claim, name="wish_claim"),
    path("wishes/<str:code>/fulfil/", views_wishes.fulfil, name="wish_fulfil"),
    path("manage/wishes/", views_wishes.desk, name="wish_desk"),
    path("manage/wishes/new/", views_wishes.wish_new, name="wish_new"),
    path("manage/wishes/<str:code>/", views_wishes.wish_manage, name="wish_manage"),
    path("manage/wishes/<str:code>/photo/", views_wishes.wish_photo, name="wish_photo"),
]
