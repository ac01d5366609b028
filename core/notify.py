"""Notifications to people: in-app, email, and SMS through a swappable gateway (console by default)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from core.models import Notification, OutboxMessage

log = logging.getLogger(__name__)


class ConsoleSmsBackend:
    """Writes SMS to the log instead of a gateway (development, tests, demo)."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
        log.info("SMS to %s: %s", phone, text)


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str) -> None:
    if phone:
        sms_backend().send(phone, text)


def notify_users(
    message: OutboxMessage, user_ids: Iterable[int], *, title: str, body: str = "", url: str = "", email: bool = True
) -> int:
    """In-app notification (once per message and user) and an email where the user has one."""
    users = list(get_user_model().objects.filter(pk__in=set(user_ids), is_active=True))
    created = Notification.objects.bulk_create(
        [Notification(user=u, message=message, title=title[:200], body=body, url=url) for u in users],
        ignore_conflicts=True,
    )
    if email:
        for user in users:
            if user.email:
                send_mail(title, f"{body}\n\n{url}".strip(), None, [user.email], fail_silently=True)
    return len(created)
