"""URLs of the funds API, mounted at /api/v1/funds/ (namespace ``funds_api``)."""

from django.urls import path, register_converter

from funds import api
from petitions.api_urls import PetitionIdConverter

# The same converter as the petitions' ids: what is not a positive 64-bit id becomes 0 (the API's 404).
register_converter(PetitionIdConverter, "fund_id")

urlpatterns = [
    path("", api.FundListView.as_view(), name="fund_list"),
    path("<fund_id:pk>/", api.FundDetailView.as_view(), name="fund_detail"),
]
