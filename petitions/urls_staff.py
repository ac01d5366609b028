"""Staff pages: the triage queue and the detail page with its actions."""

from django.urls import path

from petitions.views import detail, queue

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("claim-next/", queue.claim_next, name="claim_next"),
    path("bulk/", queue.bulk, name="bulk"),
    path("<int:pk>/", detail.detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", detail.act, name="act"),
    path("<int:pk>/reveal/", detail.reveal, name="reveal"),
    path("<int:pk>/photos/<int:photo_pk>/", detail.photo, name="photo"),
]
