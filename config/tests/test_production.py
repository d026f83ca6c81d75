"""Development tooling stays out of production: not installed by its settings, not in its image, never imported.

dev/ (the payment and OAuth sandboxes, the dev mailbox, demo data) is installed only when APP_ENV is not
production, and .dockerignore leaves it, the tests and the benchmarks out of the image (docs/ARCHITECTURE.md).
"""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PAYMENT_CREDENTIALS = {"YOOKASSA_SHOP_ID": "506751", "YOOKASSA_SECRET_KEY": "live_secret-of-the-shop",
                       "TINKOFF_TERMINAL_KEY": "1700000000001", "TINKOFF_PASSWORD": "terminal-password"}
# The operator's requisites on the legal pages and invoices: production refuses to start without them.
LEGAL_ENTITY = {"SELLER_NAME": "ООО «Быстрый ответ»", "SELLER_INN": "7707083893", "SELLER_OGRN": "1027700132195",
                "SELLER_ADDRESS": "117997, г. Москва, ул. Вавилова, д. 19", "SELLER_BANK": "ПАО Сбербанк",
                "SELLER_BIK": "044525225", "SELLER_ACCOUNT": "40702810938000000001",
                "SELLER_CORR_ACCOUNT": "30101810400000000225", "SELLER_DIRECTOR": "Петров П. П.",
                "LEGAL_EMAIL": "hello@example.ru", "LEGAL_PHONE": "+7 495 111-22-33", "LEGAL_HOURS": "пн–пт, 9–18"}
PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "production-secret-key-0123456789-abcdefghij",
              "JWT_KEYS": "k:secret-of-32-characters-at-least-123", "JWT_ACTIVE_KID": "k",
              "DJANGO_SETTINGS_MODULE": "config.settings",
              "CHANNEL_SECRET_KEYS": "fD4yQj2lqz3Y0pqvV6yF1mYbQ8q0d8mX7u3n5kQ2r0Q=",
              "METRICS_TOKEN": "metrics-token-of-the-deployment", **PAYMENT_CREDENTIALS,
              **LEGAL_ENTITY}
# What the image has: with dev/ absent (as in the image) settings load, every URLconf resolves, checks pass.
PROBE = """
import importlib.abc, json, sys

class NoDev(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "dev" or name.startswith("dev."):
            raise ModuleNotFoundError(f"No module named {name!r} (not in the production image)", name=name)

sys.meta_path.insert(0, NoDev())
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.urls import Resolver404, resolve
call_command("check", verbosity=0)
def routed(path, urlconf):
    try:
        return resolve(path, urlconf=urlconf).route
    except Resolver404:
        return None
print(json.dumps({"apps": settings.INSTALLED_APPS, "mailbox": settings.DEV_MAILBOX_ENABLED,
                  "email": settings.EMAIL_BACKEND, "mailbox_route": routed("/dev/mailbox", "config.urls_public"),
                  "landing_route": routed("/", "config.urls_public"),
                  "dev_modules": sorted(m for m in sys.modules if m == "dev" or m.startswith("dev."))}))
"""


def run_production(code: str, **env: str) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items()
                 if k not in {"DEV_MAILBOX_ENABLED", "EMAIL_BACKEND", "EMAIL_DELIVERY_BACKEND", "DEMO_WIDGET_KEY"}
                 and not k.startswith(("PAYMENT_", "YOOKASSA_", "TINKOFF_", "OAUTH_", "DJANGO_", "SELLER_", "LEGAL_"))}
    return subprocess.run([sys.executable, "-c", code], env={**inherited, **PRODUCTION, **env},
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_production_settings_install_no_dev_app_and_work_without_dev():
    done = run_production(PROBE)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert not [app for app in found["apps"] if app == "dev" or app.startswith("dev.")], found["apps"]
    assert found["mailbox"] is False
    assert found["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert found["landing_route"] == ""  # the URLconf loaded
    assert found["mailbox_route"] is None
    assert found["dev_modules"] == []


def test_development_settings_install_the_dev_apps():
    assert {"dev", "dev.mailbox", "dev.demo"} <= set(settings.INSTALLED_APPS)


def test_production_refuses_the_dev_mailbox():
    settings_only = "import django; django.setup()"
    enabled = run_production(settings_only, DEV_MAILBOX_ENABLED="true")
    assert enabled.returncode != 0
    assert "DEV_MAILBOX_ENABLED must not be set in production" in enabled.stderr
    backend = run_production(settings_only, EMAIL_BACKEND="dev.mailbox.backends.DevMailboxBackend")
    assert backend.returncode != 0
    assert "must not name a development backend" in backend.stderr


@pytest.mark.parametrize(("providers", "missing"), [
    ("yookassa,tinkoff", "YOOKASSA_SHOP_ID"), ("yookassa,tinkoff", "YOOKASSA_SECRET_KEY"),
    ("yookassa,tinkoff", "TINKOFF_TERMINAL_KEY"), ("yookassa,tinkoff", "TINKOFF_PASSWORD"),
    ("tinkoff", "TINKOFF_PASSWORD"),
])
def test_production_refuses_an_enabled_payment_provider_without_its_credentials(providers, missing):
    done = run_production("import django; django.setup()", PAYMENT_PROVIDERS=providers, **{missing: ""})
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert f"PAYMENT_PROVIDERS enables {'yookassa' if missing.startswith('YOOKASSA') else 'tinkoff'}" in done.stderr
    assert missing in done.stderr


def test_production_starts_without_the_credentials_of_a_provider_it_does_not_use():
    done = run_production("import django; django.setup(); from django.conf import settings as s; "
                          "print(s.PAYMENT_PROVIDERS)", PAYMENT_PROVIDERS="yookassa", TINKOFF_TERMINAL_KEY="",
                          TINKOFF_PASSWORD="")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "['yookassa']"


# --- the image ---------------------------------------------------------------------------------------------


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _regex(pattern: str) -> re.Pattern:
    """Docker's .dockerignore matching (Go filepath.Match plus ``**``), paths relative to the context root."""
    pattern = pattern.strip("/")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + "$")


def excluded(path: str, patterns: list[str]) -> bool:
    """A path is left out when it or one of its parent folders matches (the last matching pattern decides)."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = _regex(pattern.lstrip("!"))
        if any(regex.match(candidate) for candidate in candidates):
            verdict = not negate
    return verdict


def image_files(patterns: list[str]) -> list[str]:
    """Every file of the working tree that `COPY . /app` would put into the image."""
    files = []
    for folder, dirs, names in os.walk(ROOT):
        relative = Path(folder).relative_to(ROOT).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        dirs[:] = [d for d in dirs if not excluded(prefix + d, patterns)]
        files += [prefix + name for name in names if not excluded(prefix + name, patterns)]
    return files


def test_dockerignore_leaves_out_dev_tests_and_bench():
    patterns = dockerignore_patterns()
    for pattern in ("dev", "tests", "bench", "**/tests"):
        assert pattern in patterns or f"{pattern}/" in patterns, pattern
    assert not [p for p in patterns if p.startswith("!")], "no exceptions that could bring a test folder back"
    for path in ("dev/payment_sandbox/server.py", "dev/mailbox/models.py", "dev/oauth_sandbox.py",
                 "tests/test_browser.py", "billing/tests/test_payments.py", "shared_apps/accounts/tests/test_oauth.py",
                 "tenant_apps/leads/tests/__init__.py", "bench/billing.py", "conftest.py"):
        assert excluded(path, patterns), path
    for path in ("manage.py", "config/settings/__init__.py", "billing/models.py", "templates/public_site/base.html",
                 "public_site/views.py", "locale/ru/LC_MESSAGES/django.po", "requirements.txt"):
        assert not excluded(path, patterns), path


def test_the_image_holds_no_tests_and_no_code_that_imports_dev():
    files = image_files(dockerignore_patterns())
    assert "manage.py" in files
    assert "config/settings/__init__.py" in files
    assert not [f for f in files if f.startswith(("dev/", "bench/")) or "tests/" in f or f.endswith("conftest.py")]
    importing = []
    for name in (f for f in files if f.endswith(".py")):
        for node in ast.walk(ast.parse((ROOT / name).read_text(), name)):
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            importing += [f"{name}: {m}" for m in modules if m == "dev" or m.startswith("dev.")]
    assert importing == [], "production code imports dev/ (name it by a string in settings or URLconfs)"
