from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("KPI reports")

    def ready(self) -> None:
        from reports import permissions  # noqa: F401 - registers the reports.view action
