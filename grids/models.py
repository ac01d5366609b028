from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from grids.roles import Role

code_validator = RegexValidator(r"^[0-9A-Za-z]{2,20}$", _("Use 2 to 20 letters or digits for the administrative code."))


def ancestor_paths(path: str) -> list[str]:
    """The paths of every node from the root down to (and including) the node at ``path``."""
    parts = path.rstrip("/").split("/")
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


@pghistory.track(*audited())
class Region(models.Model):
    """A node of the region tree (行政区划): district → street/town → community → compound → grid.

    ``path`` is the chain of codes from the root ("330211/330211001/…/"), so every descendant
    query is one ``LIKE 'path%'`` on a pattern index instead of a recursive walk.
    """

    class Kind(models.TextChoices):
        DISTRICT = "district", _("District")
        STREET = "street", _("Street")
        TOWN = "town", _("Town")
        COMMUNITY = "community", _("Community")
        VILLAGE = "village", _("Village")
        COMPOUND = "compound", _("Compound")
        GRID = "grid", _("Grid")

    LEVEL_OF_KIND = {
        Kind.DISTRICT: 1,
        Kind.STREET: 2,
        Kind.TOWN: 2,
        Kind.COMMUNITY: 3,
        Kind.VILLAGE: 3,
        Kind.COMPOUND: 4,
        Kind.GRID: 5,
    }

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("administrative code"), max_length=20, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("level"), editable=False)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="region_level_range"),
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True, level=1) | models.Q(parent__isnull=False, level__gt=1),
                name="region_root_is_level_one",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: Region) -> bool:
        return self.path.startswith(other.path)

    def ancestor_paths(self) -> list[str]:
        return ancestor_paths(self.path)


@pghistory.track(*audited())
class HandlingUnit(models.Model):
    """A handling unit (承办单位): 城管, 住建, 物业公司, 供电, 派出所 … and the regions it covers."""

    class Kind(models.TextChoices):
        URBAN_MANAGEMENT = "urban_management", _("Urban management")
        HOUSING = "housing", _("Housing and construction")
        PROPERTY = "property", _("Property management company")
        POWER = "power", _("Power supply")
        POLICE = "police", _("Police station")
        WATER = "water", _("Water supply")
        CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    phone = models.CharField(_("service phone"), max_length=32, blank=True)
    regions = models.ManyToManyField(Region, related_name="handling_units", verbose_name=_("regions covered"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


@pghistory.track(*audited())
class RoleAssignment(models.Model):
    """A role a user holds over one node of the region tree (and, for handlers, one unit)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(Region, models.PROTECT, related_name="role_assignments", verbose_name=_("region"))
    unit = models.ForeignKey(
        HandlingUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("handling unit"),
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user_id", "role", "region__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"], condition=models.Q(unit__isnull=True), name="role_once_per_region"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "unit"],
                condition=models.Q(unit__isnull=False),
                name="role_once_per_region_unit",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="handler") | models.Q(unit__isnull=False),
                name="handler_needs_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region}"
