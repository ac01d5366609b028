from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Petitions")

    def ready(self) -> None:
        from core import outbox
        from petitions import forms, notifications, permissions, sweeps  # noqa: F401  (actions; the forms' signals)

        outbox.register("petition", notifications.deliver)
        outbox.register(sweeps.MONTHLY_TOPIC, sweeps.deliver_monthly_notice)
