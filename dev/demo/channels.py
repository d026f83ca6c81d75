"""The demo workspace's channels, connected to the local channel sandbox the way an admin connects them: through
``services.connect``, which checks the keys live (and points the Telegram bot's webhook at the workspace).

`make run` seeds the demo before the sandbox starts, so the Procfile's ``channels:`` line runs this next to the
sandbox, waiting for it to answer. The sandbox keeps no state between runs: a channel connected by an earlier run
is checked again, which registers its webhook with the fresh sandbox.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django_tenants.utils import tenant_context

from core.errors import DomainError
from dev.channel_sandbox import DEFAULT_SENDGRID, DEFAULT_TELEGRAM, DEFAULT_TWILIO
from shared_apps.tenancy.models import Tenant
from tenant_apps.channels import services
from tenant_apps.channels.models import Channel
from tenant_apps.channels.services import ProviderUnavailable
from tenant_apps.channels.transport import transport_class

from .services import DEMO_SLUG

# provider → the sandbox's seeded credentials; e-mail through SendGrid (an HTTP API, no port to discover).
DEMO_CHANNELS: dict[str, dict[str, str]] = {
    "twilio": dict(zip(("accountSid", "authToken", "fromNumber"), DEFAULT_TWILIO, strict=True)),
    "sendgrid": {"apiKey": DEFAULT_SENDGRID[0], "fromEmail": DEFAULT_SENDGRID[1],
                 "fromName": "Стоматология «Улыбка»"},
    "telegram": {"botToken": DEFAULT_TELEGRAM},
}


@dataclass(frozen=True)
class Outcome:
    provider: str
    text: str  # Russian, for the command's output
    ok: bool


def connect_demo_channels(*, wait_seconds: float = 0, pause: float = 1.0,
                          sleep: Callable[[float], None] = time.sleep) -> list[Outcome]:
    """Connect (or check again) each demo channel; while the sandbox does not answer, retry for ``wait_seconds``."""
    tenant = Tenant.objects.get(slug=DEMO_SLUG)
    deadline = time.monotonic() + wait_seconds
    outcomes = []
    with tenant_context(tenant):
        for provider, credentials in DEMO_CHANNELS.items():
            if transport_class(provider) is None:
                continue
            while True:
                try:
                    outcomes.append(_connect(provider, credentials))
                    break
                except ProviderUnavailable as exc:
                    if time.monotonic() >= deadline:
                        outcomes.append(Outcome(provider, f"песочница не ответила: {exc.message}", ok=False))
                        break
                    sleep(pause)
                except DomainError as exc:
                    outcomes.append(Outcome(provider, exc.message, ok=False))
                    break
    return outcomes


def _connect(provider: str, credentials: dict[str, str]) -> Outcome:
    channel = Channel.objects.filter(provider=provider).first()
    if channel is None:
        services.connect(provider, credentials, actor=None)
        return Outcome(provider, "подключен", ok=True)
    if channel.status == Channel.Status.DISABLED:
        return Outcome(provider, "отключен администратором — не трогаем", ok=True)
    services.update(channel, actor=None, enabled=True)
    return Outcome(provider, "уже подключен, ключи проверены", ok=True)
