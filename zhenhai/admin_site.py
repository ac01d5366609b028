"""The portal's admin site: a verified second factor is required (django-otp's ``OTPAdminSite``;
DESIGN.md: TOTP for admins) and its titles are in the reader's language. Installed through Django's
documented way of overriding the default site (``AdminConfig.default_site``)."""

from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite


class PortalAdminSite(OTPAdminSite):
    site_header = _("Zhenhai community portal")
    site_title = _("Zhenhai community portal")
    index_title = _("Administration")

    def __init__(self, name: str = "admin"):
        # django-otp names its site "otpadmin"; the portal's admin keeps Django's usual "admin" namespace.
        super().__init__(name)
