from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Petitions")

    def ready(self) -> None:
        from accounts import home
        from core import outbox
        from petitions import notifications, permissions, sweeps  # noqa: F401  (registers the actions)
        from petitions.home import front_tiles, home_actions

        home.register(home_actions)
        notifications.register_kinds()
        home.register_front(front_tiles)
        outbox.register("petition", notifications.deliver)
        outbox.register(sweeps.MONTHLY_TOPIC, sweeps.deliver_monthly_notice)
