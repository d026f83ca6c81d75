"""Production settings never talk to the sandbox and trust only YooKassa's own senders."""

import os
import subprocess
import sys

from django.conf import settings

from config.tests.test_production import LEGAL_ENTITY

PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "production-secret-key-0123456789-abcdefghij",
              "JWT_KEYS": "k1:production-jwt-secret-0123456789-abcdefghij", "DJANGO_SETTINGS_MODULE": "config.settings",
              "YOOKASSA_SHOP_ID": "506751", "YOOKASSA_SECRET_KEY": "live_secret-of-the-shop",
              "TINKOFF_TERMINAL_KEY": "1700000000001", "TINKOFF_PASSWORD": "terminal-password",
              "CHANNEL_SECRET_KEYS": "fD4yQj2lqz3Y0pqvV6yF1mYbQ8q0d8mX7u3n5kQ2r0Q=",
              "METRICS_TOKEN": "production-metrics-token-0123456789", **LEGAL_ENTITY}
PRINT = ("import django; django.setup(); from django.conf import settings as s; "
         "print(repr(s.PAYMENT_SANDBOX_URL)); print(s.YOOKASSA_API_URL); print(s.TINKOFF_API_URL); "
         "print(' '.join(s.YOOKASSA_TRUSTED_NETWORKS))")


def run(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PAYMENT_", "YOOKASSA_", "TINKOFF_"))}
    return subprocess.run([sys.executable, "-c", PRINT], env={**clean, **PRODUCTION, **env}, capture_output=True,
                          text=True, cwd=settings.BASE_DIR, timeout=60)


def test_production_uses_the_real_providers_only():
    done = run()
    assert done.returncode == 0, done.stderr[-500:]
    sandbox, yookassa, tinkoff, trusted = done.stdout.splitlines()
    assert sandbox == "''"
    assert yookassa == "https://api.yookassa.ru/v3"
    assert tinkoff == "https://securepay.tinkoff.ru/v2"
    assert "185.71.76.0/27" in trusted.split()
    assert not any(net.startswith(("127.", "::1")) for net in trusted.split())


def test_production_refuses_a_sandbox_url():
    done = run(PAYMENT_SANDBOX_URL="http://127.0.0.1:8026")
    assert done.returncode != 0
    assert "PAYMENT_SANDBOX_URL must not be set in production" in done.stderr
