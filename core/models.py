from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import audited


@pghistory.track(*audited())
class WorkingDay(models.Model):
    """One calendar date and whether the offices work on it (工作日历).

    Seeded from ``chinese-calendar`` (public holidays and the swapped working days, 调休) and
    editable by admins. Dates missing from the table fall back to Monday–Friday.
    """

    date = models.DateField(_("date"), primary_key=True)
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-time calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'✓' if self.is_working else '—'}"


class OutboxMessage(models.Model):
    """Work for Celery, written in the same transaction as the change that caused it (outbox).

    A request never waits on Redis: after commit the portal tries to publish a delivery task once;
    if Redis is down the rows simply wait, and beat's ``outbox_deliver`` picks them up later.
    """

    topic = models.CharField(_("topic"), max_length=64)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        indexes = [
            models.Index(fields=["id"], condition=models.Q(delivered_at__isnull=True), name="outbox_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"


class Notification(models.Model):
    """An in-app notification; ``(message, user)`` is unique so a redelivered message adds nothing.

    What happened is stored as a kind and its parameters (``core.notify.KINDS``) and put into words
    in the reader's language when shown; ``title`` and ``body`` hold only the words of rows written
    before kinds existed (and could not be told apart afterwards)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    message = models.ForeignKey(OutboxMessage, models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=64, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="notification_once_per_message"),
        ]
        indexes = [models.Index(fields=["user", "-id"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.text()[0]

    def text(self) -> tuple[str, str]:
        """(title, body) in the active language."""
        from core.notify import render

        return render(self.kind, self.params) if self.kind else (self.title, self.body)

    @property
    def headline(self) -> str:
        return self.text()[0]

    @property
    def details(self) -> str:
        return self.text()[1]


class PersonalDataReveal(models.Model):
    """Each time someone unmasks a resident's personal data: who, what, why, when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.BigIntegerField(_("object id"))
    fields = models.CharField(_("fields"), max_length=200)
    at = models.DateTimeField(_("revealed at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal data reveal")
        verbose_name_plural = _("personal data reveals")
        indexes = [models.Index(fields=["object_type", "object_id"], name="reveal_object")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.object_type}#{self.object_id}"
