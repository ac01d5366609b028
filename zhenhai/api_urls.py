"""The API's own pages, mounted at /api/: the OpenAPI 3 schema and its offline documentation.

Public: the schema holds no data and is the same for everyone (a public service documents its API
openly); every asset comes from drf-spectacular-sidecar under /static/, never a CDN.
``?lang=en`` or ``?lang=zh-hans`` picks the language of the descriptions.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api-schema", template_name="accounts/api_redoc.html"),
        name="api-redoc",
    ),
]
