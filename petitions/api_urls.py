"""URLs of the petitions API, mounted at /api/v1/ (namespace ``petitions_api``)."""

from django.urls import path, register_converter

from petitions import api


class PetitionIdConverter:
    """Any path segment where an id goes. What is not a positive 64-bit id becomes 0, which
    matches no item: ``/petitions/abc/`` then answers the API's JSON 404, not the site's HTML page,
    and an out-of-range number never reaches the database."""

    regex = "[^/]+"

    def to_python(self, value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            return 0
        return number if 0 < number < 2**63 else 0

    def to_url(self, value) -> str:
        return str(value)


register_converter(PetitionIdConverter, "petition_id")

urlpatterns = [
    path("petitions/", api.PetitionListView.as_view(), name="petition_list"),
    path("petitions/<petition_id:pk>/", api.PetitionDetailView.as_view(), name="petition_detail"),
    path("petitions/<petition_id:pk>/reveal/", api.PetitionRevealView.as_view(), name="petition_reveal"),
    *[
        path(f"petitions/<petition_id:pk>/{action.name}/", api.action_view(action), name=f"petition_{action.name}")
        for action in api.ACTIONS
    ],
    path("evaluations/", api.EvaluationView.as_view(), name="evaluation"),
]
