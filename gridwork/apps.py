from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridworkConfig(AppConfig):
    name = "gridwork"
    verbose_name = _("Grid work")

    def ready(self) -> None:
        from accounts import home as account_home
        from gridwork import home, permissions, services  # noqa: F401  (registers the actions)
        from petitions import extensions
        from volunteers import wish_links

        account_home.register_panel(home.panels)
        account_home.register(home.home_actions)
        account_home.register_front(home.front_tiles)
        extensions.page.register_related(home.related_to_petition)
        extensions.page.register_related(home.meetings_of_petition)
        extensions.page.register_related(home.visits_of_petition)
        extensions.page.register_action(home.joint_meeting_action)
        wish_links.page.register_related(home.visits_of_wish)
        wish_links.page.register_related(home.meetings_of_wish)
        extensions.register_event(services.FINDING_EVENT, _("Found on a field day"), home.describe_field_day)
        extensions.register_event(services.MEETING_EVENT, _("Residents' meeting"), home.describe_meeting)
        extensions.register_event(services.VISIT_EVENT, _("Household visit"), home.describe_visit)
