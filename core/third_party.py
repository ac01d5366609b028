"""The names third-party apps show in the admin, in the reader's language.

django-axes marks its model names for translation but ships no Chinese: its app name comes from our
``AppConfig`` subclass here (Django's documented way to configure an installed app, listed in
``INSTALLED_APPS``), and its model names are listed below so that ``makemessages`` puts them in our
catalogue, which Django consults first. django-otp's TOTP plugin does not mark its names at all: its
device is listed in the admin as a proxy model with a translated name (``accounts.AuthenticatorDevice``).
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in attempts and lockouts")


AXES_NAMES = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
)
