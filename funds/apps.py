from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = _("Micro-funds")

    def ready(self) -> None:
        from accounts import home
        from funds import permissions  # noqa: F401  (registers the actions)
        from funds.home import front_tiles, home_actions, home_panels
        from funds.links import describe_project, petition_projects, wish_projects
        from petitions import extensions
        from volunteers import wish_links

        home.register(home_actions)
        home.register_panel(home_panels)
        extensions.page.register_related(petition_projects)
        extensions.register_event("funds.project", _("Subsidised project"), describe_project)
        wish_links.page.register_related(wish_projects)
        home.register_front(front_tiles)
