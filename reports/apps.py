from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("KPI reports")

    def ready(self) -> None:
        from gridwork import extensions as gridwork_extensions
        from reports import gridwork, permissions  # noqa: F401 - registers the reports.view action

        gridwork_extensions.register_petition_figures(gridwork.petition_figures)
        gridwork_extensions.register_chart(gridwork.bars)
