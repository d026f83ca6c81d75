"""Browser tests: Debian's Chromium through Playwright, against the live server as the platform."""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection
from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Two cores shared by the test workers, Celery and Chromium: give assertions time before calling them failed.
expect.set_options(timeout=15_000)

# Playwright's sync API runs an event loop in the test thread; the ORM calls of the tests happen outside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    assert Path(CHROMIUM).exists(), "Chromium is missing: `make test` installs Debian's chromium"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, settings) -> int:
    """The live server's port; links between hosts (login, hand-off, e-mails) point at it."""
    port = urlsplit(live_server.url).port
    settings.PLATFORM_PORT = str(port)
    return port


@pytest.fixture
def worker_env(site) -> dict[str, str]:
    """The Celery worker of browser tests writes e-mails with the live server's links into the dev mailbox."""
    return {"PLATFORM_PORT": str(site), "EMAIL_BACKEND": "dev.mailbox.backends.DevMailboxBackend",
            "DEV_MAILBOX_ENABLED": "true"}


# The two screens every page is walked on.
DEVICES = {
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}


@pytest.fixture(params=list(DEVICES))
def device(request) -> str:
    """Runs the test once per screen in :data:`DEVICES`."""
    return request.param


def log_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти", exact=True).click()


def on_own_thread(fn):
    """ORM work on a thread of its own (Playwright's loop runs in this one), its connection closed afterwards."""

    def run():
        try:
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
