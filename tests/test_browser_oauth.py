"""Sign-up with Google in a real Chromium: /login → the sandbox's consent page → the new workspace."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from dev.oauth_sandbox import start_sandbox, stop_sandbox
from shared_apps.accounts.models import User
from tests.conftest import ARTIFACTS


@pytest.fixture
def platform(site, settings):
    """The live server as the platform (links to workspaces carry its port) and the OAuth sandbox."""
    port = site
    clients = {
        "google": (settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY, settings.SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET),
        "yandex": (settings.SOCIAL_AUTH_YANDEX_OAUTH2_KEY, settings.SOCIAL_AUTH_YANDEX_OAUTH2_SECRET),
    }
    server, sandbox_url = start_sandbox(port=0, clients=clients)
    settings.GOOGLE_OAUTH_BASE_URL = f"{sandbox_url}/google"
    settings.YANDEX_OAUTH_BASE_URL = f"{sandbox_url}/yandex"
    yield f"http://localhost:{port}", port, sandbox_url
    stop_sandbox(server)


def test_sign_up_with_google_ends_logged_in_in_the_new_workspace(browser, platform):
    public_url, port, sandbox_url = platform
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="ru-RU")

    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))

    page.goto(public_url + "/login")
    page.get_by_text("Войти через Google").click()
    try:
        page.wait_for_url(lambda url: url.startswith(f"{sandbox_url}/google/o/oauth2/auth?"), timeout=10_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"«Войти через Google» did not reach the provider: at {page.url} ({page.title()!r}), {problems}")
    expect(page.get_by_role("heading", name="Песочница Google — вход")).to_be_visible()
    page.get_by_label("E-mail", exact=True).fill("anna@romashka.ru")
    page.get_by_label("Имя", exact=True).fill("Анна Петрова")
    expect(page.get_by_label("e-mail подтверждён")).to_be_checked()
    page.screenshot(path=str(ARTIFACTS / "oauth-sandbox-consent.png"), full_page=True)
    page.get_by_role("button", name="Разрешить").click()

    page.wait_for_url(lambda url: (urlsplit(url).hostname or "").endswith(".localhost"))
    page.wait_for_load_state()
    final = urlsplit(page.url)
    assert final.netloc.endswith(f".localhost:{port}"), page.url
    user = User.objects.get(email="anna@romashka.ru")
    assert user.is_email_confirmed
    slug = final.hostname.removesuffix(".localhost")
    assert user.memberships.filter(tenant__slug=slug).exists()
    # Logged in on the workspace host: the cabinet, not its login form.
    expect(page.get_by_label("Пароль")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "oauth-google-workspace.png"), full_page=True)
