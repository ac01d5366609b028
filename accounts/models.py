from __future__ import annotations

import pghistory
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_cn_mobile
from core.audit import audited


@pghistory.track(
    *audited(),
    exclude=["password", "last_login"],
)
class User(AbstractUser):
    """A person who signs in: staff by username, residents by mobile phone number."""

    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=11, unique=True, null=True, blank=True, validators=[validate_cn_mobile]
    )

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.full_name or self.username
