from django.contrib import admin
from django.urls import include, path

from accounts.views import front_door, set_language
from core.trivial import TrivialApiView, trivial
from core.views import health, notifications, public_media

# The admin site (zhenhai/admin_site.py) demands a verified second factor.

urlpatterns = [
    path("", front_door, name="root"),
    path("accounts/", include("accounts.urls")),
    path("grids/", include("grids.urls")),
    path("petitions/", include("petitions.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("gridwork/", include("gridwork.urls")),
    path("api/v1/", include(("petitions.api_urls", "petitions_api"))),
    path("api/v1/reports/", include(("reports.api_urls", "reports_api"))),
    path("api/v1/funds/", include(("funds.api_urls", "funds_api"))),
    path("reports/", include("reports.urls")),
    path("exports/", include("exports.urls")),
    path("funds/", include("funds.urls")),
    path("open311/v2/", include("open311.urls")),
    path("api/", include("zhenhai.api_urls")),
    path("health/", health, name="health"),
    path("trivial/", trivial, name="trivial"),  # the benchmark's baseline page and endpoint
    path("api/v1/trivial/", TrivialApiView.as_view(), name="api_trivial"),
    path("notifications/", notifications, name="notifications"),
    path("media/<path:name>", public_media, name="public_media"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

# A database that is away answers 503 with Retry-After rather than 500 (core.faults; docs/deployment.md).
handler500 = "core.faults.server_error"
