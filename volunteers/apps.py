from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        from accounts import home
        from core import notify
        from petitions import extensions as petition_extensions
        from volunteers import extensions, permissions, services  # noqa: F401  (registers the actions)

        petition_extensions.page.register_action(extensions.petition_actions)
        petition_extensions.page.register_related(extensions.petition_related)
        petition_extensions.register_event(
            "volunteers.opportunity", _("Volunteer opportunity published"), extensions.describe_published
        )
        petition_extensions.register_event(
            "volunteers.outcome", _("Volunteer opportunity outcome"), extensions.describe_outcome
        )
        home.register(extensions.home_actions)
        home.register_front(extensions.front_tiles)
        notify.register_kind(
            services.INSURANCE_KIND,
            _("Your accident insurance ends on %(until)s"),
            _("Renew it to keep signing up for opportunities that need insurance."),
        )
        notify.register_kind(
            services.POLICY_KIND,
            _("The accident insurance of %(organisation)s (policy %(number)s) ends on %(until)s"),
            _("Renew the policy so its volunteers stay insured."),
        )
