"""URLs of the petitions API, mounted at /api/v1/ (namespace ``petitions_api``)."""

from django.urls import path

from petitions import api

urlpatterns = [
    path("petitions/", api.PetitionListView.as_view(), name="petition_list"),
    path("petitions/<int:pk>/", api.PetitionDetailView.as_view(), name="petition_detail"),
    path("petitions/<int:pk>/reveal/", api.PetitionRevealView.as_view(), name="petition_reveal"),
    *[
        path(
            f"petitions/<int:pk>/{action.name}/",
            api.PetitionActionView.as_view(spec=action),
            name=f"petition_{action.name}",
        )
        for action in api.ACTIONS
    ],
    path("evaluations/", api.EvaluationView.as_view(), name="evaluation"),
]
