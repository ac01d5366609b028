"""System checks of the settings a real deployment needs (``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def sms_gateway(app_configs, **kwargs) -> list:
    backend = settings.SMS_BACKEND
    if backend == "core.notify.ConsoleSmsBackend":
        return [
            Warning(
                "SMS_BACKEND is the console backend: texts to residents are only written to the log.",
                hint="Set SMS_BACKEND to a gateway (core.notify.HttpSmsBackend with SMS_GATEWAY_URL).",
                id="core.W001",
            )
        ]
    if backend == "core.notify.HttpSmsBackend" and not settings.SMS_GATEWAY_URL.startswith("https://"):
        return [Error("HttpSmsBackend needs SMS_GATEWAY_URL, an https:// address.", id="core.E001")]
    return []
