"""Notifications to people: in-app, email, and SMS through a swappable gateway.

The SMS gateway is an outside system behind one interface, ``send(phone, text)``:
``ConsoleSmsBackend`` only logs (development, tests, demo), ``HttpSmsBackend`` posts to a gateway's
HTTP endpoint. Logs never hold a whole phone number or a link's secret.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from core import ratelimit
from core.masking import mask_phone
from core.models import Notification, OutboxMessage

log = logging.getLogger(__name__)

_LINK = re.compile(r"https?://\S+")


def redact_links(text: str) -> str:
    """``text`` with every link cut to its host: a private link's token stays out of the logs."""
    return _LINK.sub(lambda match: "/".join(match.group(0).split("/")[:3]) + "/…", text)


class ConsoleSmsBackend:
    """Writes SMS to the log instead of a gateway (development, tests, demo). ``sent`` keeps the
    whole texts in this process for tests; the log gets the masked number and the text without
    its links' secrets."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
        log.info("SMS (console, not sent) to %s: %s", mask_phone(phone), redact_links(text))


class HttpSmsBackend:
    """Posts ``{"phone": …, "text": …}`` as JSON to ``SMS_GATEWAY_URL`` with the bearer token
    ``SMS_GATEWAY_TOKEN``: the shape of the common gateways' HTTP APIs (an adapter per provider
    subclasses ``payload``)."""

    timeout = 10

    def payload(self, phone: str, text: str) -> dict:
        return {"phone": phone, "text": text}

    def send(self, phone: str, text: str) -> None:
        request = urllib.request.Request(  # noqa: S310 (the operator's configured https URL)
            settings.SMS_GATEWAY_URL,
            data=json.dumps(self.payload(phone, text)).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if response.status >= 300:
                raise OSError(f"SMS gateway answered {response.status}")
        log.info("SMS sent to %s", mask_phone(phone))


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str, *, verified: bool = True) -> bool:
    """Text ``phone``; returns whether it was handed to the gateway. A number nobody verified (typed
    into a public form) gets at most ``RATE_SMS_PER_NUMBER`` texts: a form must not become a way to
    text strangers."""
    if not phone:
        return False
    if not verified and ratelimit.hit("sms-unverified", ratelimit.digest(phone), settings.RATE_SMS_PER_NUMBER):
        log.warning("SMS to %s not sent: the unverified number had its share today", mask_phone(phone))
        return False
    sms_backend().send(phone, text)
    return True


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
