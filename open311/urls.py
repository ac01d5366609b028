"""Open311 GeoReport v2, mounted at /open311/v2/ (namespace ``open311``). The format is the suffix:
``.json`` or ``.xml``; anything else under the endpoint answers the specification's 404."""

from django.urls import path, re_path

from open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("", views.index, name="index"),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="service_list"),
    re_path(r"^services/(?P<service_code>[^/]+)" + FMT, views.service_definition, name="service_definition"),
    re_path(r"^requests" + FMT, views.requests, name="request_list"),
    re_path(r"^requests/(?P<service_request_id>[^/]+)" + FMT, views.request_detail, name="request_detail"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FMT, views.token_detail, name="token"),
    re_path(r"^(?P<rest>.+)$", views.fallback, name="fallback"),
]
