"""Billing test fixtures: the local payment sandbox (YooKassa v3 + T-Bank v2 on loopback)."""

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from billing.sandbox import PaymentSandbox, start_sandbox, stop_sandbox
from billing.sandbox.server import DEFAULT_TINKOFF, DEFAULT_YOOKASSA


@pytest.fixture
def payment_sandbox(settings: Settings) -> Iterator[PaymentSandbox]:
    """A sandbox on a free port; the settings' payment URLs point at it for the test.

    Notifications are retried quickly (3 attempts, 0.05 s apart). Set ``yookassa_webhook_url``
    on the yielded server to receive YooKassa notifications; ``.base_url`` is its address.
    """
    yookassa_credentials = (settings.YOOKASSA_SHOP_ID or DEFAULT_YOOKASSA[0],
                            settings.YOOKASSA_SECRET_KEY or DEFAULT_YOOKASSA[1])
    tinkoff_credentials = (settings.TINKOFF_TERMINAL_KEY or DEFAULT_TINKOFF[0],
                           settings.TINKOFF_PASSWORD or DEFAULT_TINKOFF[1])
    server, base_url = start_sandbox(
        yookassa_credentials=yookassa_credentials, tinkoff_credentials=tinkoff_credentials,
        notify_retry_delay=0.05, notify_timeout=2.0,
    )
    settings.PAYMENT_SANDBOX_URL = base_url
    settings.YOOKASSA_API_URL = f"{base_url}/yookassa/v3"
    settings.TINKOFF_API_URL = f"{base_url}/tinkoff/v2"
    settings.YOOKASSA_SHOP_ID, settings.YOOKASSA_SECRET_KEY = yookassa_credentials
    settings.TINKOFF_TERMINAL_KEY, settings.TINKOFF_PASSWORD = tinkoff_credentials
    try:
        yield server
    finally:
        stop_sandbox(server)
