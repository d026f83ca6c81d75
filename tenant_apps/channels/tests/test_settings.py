"""Production refuses to start without the channels' encryption keys and never talks to the sandbox."""

import subprocess
import sys
from pathlib import Path

from config.tests.test_production import PRODUCTION, run_production

ROOT = Path(__file__).resolve().parents[3]
PRINT = ("import django; django.setup(); from django.conf import settings as s; "
         "print(repr(s.CHANNEL_SANDBOX_URL), s.TWILIO_API_URL, s.TELEGRAM_API_URL)")


def test_production_requires_channel_secret_keys():
    env = {key: value for key, value in PRODUCTION.items() if key != "CHANNEL_SECRET_KEYS"}
    done = subprocess.run([sys.executable, "-c", PRINT], env=env, capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode != 0
    assert "CHANNEL_SECRET_KEYS is required in production" in done.stderr


def test_production_talks_to_the_real_providers():
    done = run_production(PRINT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["''", "https://api.twilio.com", "https://api.telegram.org"]
