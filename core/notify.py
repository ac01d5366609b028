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
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import translation
from django.utils.functional import Promise
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


# --- What notifications say: kinds, put into words in the reader's language ------------------------


@dataclass(frozen=True)
class Kind:
    """The words of one kind of notification: lazy translated texts with ``%(name)s`` parameters."""

    title: Promise
    body: Promise | str = ""


KINDS: dict[str, Kind] = {}


def register_kind(name: str, title: Promise, body: Promise | str = "") -> None:
    """Declare a kind of notification (from the app's ``AppConfig.ready``)."""
    KINDS[name] = Kind(title, body)


def render(kind: str, params: dict, language: str | None = None) -> tuple[str, str]:
    """(title, body) of a notification of ``kind``, in ``language`` (default: the active one)."""
    spec = KINDS.get(kind)
    if spec is None:
        return kind, ""
    with translation.override(language) if language else nullcontext():
        return str(spec.title) % params, (str(spec.body) % params) if spec.body else ""


def reader_language(user) -> str:
    """The language a person reads: the one they last chose, or the portal's."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def notify_users(
    message: OutboxMessage | None,
    user_ids: Iterable[int],
    *,
    kind: str,
    params: dict,
    url: str = "",
    email: bool = True,
) -> int:
    """An in-app notification of ``kind`` (once per message and user), and an e-mail in each user's
    own language where they have an address. Returns how many notifications were new."""
    if kind not in KINDS:
        raise LookupError(f"unknown notification kind {kind!r}")
    users = list(get_user_model().objects.filter(pk__in=set(user_ids), is_active=True))
    created = Notification.objects.bulk_create(
        [Notification(user=u, message=message, kind=kind, params=params, url=url) for u in users],
        ignore_conflicts=True,
    )
    if email:
        link = settings.PUBLIC_BASE_URL.rstrip("/") + url if url.startswith("/") else url
        for user in users:
            if user.email:
                title, body = render(kind, params, reader_language(user))
                send_mail(title, f"{body}\n\n{link}".strip(), None, [user.email], fail_silently=True)
    return len(created)
