from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.validators import validate_cn_mobile
from core.audit import audited


@pghistory.track(
    *audited(),
    exclude=["password", "last_login"],
)
class User(AbstractUser):
    """A person who signs in: staff by username, residents by mobile phone number."""

    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    # The language the person last chose or signed in with: notifications and e-mails to them use it.
    language = models.CharField(
        _("language"), max_length=16, blank=True, choices=settings.LANGUAGES, default="", db_default=""
    )
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


class Scope(models.TextChoices):
    """What a machine client's token may do. The data it reaches is always its user's scope."""

    PETITIONS_READ = "petitions:read", _("Read petitions")
    PETITIONS_WRITE = "petitions:write", _("File and act on petitions")
    REPORTS_READ = "reports:read", _("Read reports and exports")
    OPEN311 = "open311", _("Submit Open311 service requests")


@pghistory.track(*audited(), exclude=["key_hash", "last_used_at"])
class ApiToken(models.Model):
    """A machine client's key (API token / Open311 ``api_key``), issued under one role assignment.

    Only a hash of the secret is stored; the key is shown once. The token reaches the data of its
    role assignment only, and stops working when that assignment is removed (the row stays, for
    the record); its scopes are limited to what that role may do (``accounts.tokens``).
    """

    user = models.ForeignKey("accounts.User", models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    assignment = models.ForeignKey(
        "grids.RoleAssignment",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("role assignment"),
    )
    name = models.CharField(_("name"), max_length=64)
    prefix = models.CharField(_("key prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = ArrayField(models.CharField(max_length=32, choices=Scope.choices), verbose_name=_("scopes"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return (
            self.revoked_at is None
            and self.assignment_id is not None
            and (self.expires_at is None or self.expires_at > timezone.now())
        )

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def has_scope(self, scope: str) -> bool:
        """Granted to this token and still allowed to its role (a role's scopes may shrink later)."""
        from accounts.tokens import ROLE_SCOPES

        if scope not in self.scopes or self.assignment is None:
            return False
        return scope in ROLE_SCOPES.get(self.assignment.role, frozenset())

    def scope_labels(self) -> list[str]:
        labels = dict(Scope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes]


class AuthenticatorDevice(TOTPDevice):
    """django-otp's TOTP device under a name in the reader's language, for the admin (the plugin's
    own names are not marked for translation)."""

    class Meta:
        proxy = True
        verbose_name = _("authenticator device")
        verbose_name_plural = _("authenticator devices")
