"""The OAuth sandbox itself: it checks clients, redirect URIs and single-use codes like the real providers."""

from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from dev.oauth_sandbox import start_sandbox, stop_sandbox


@pytest.fixture
def sandbox(settings):
    clients = {
        "google": (settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY, settings.SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET),
        "yandex": (settings.SOCIAL_AUTH_YANDEX_OAUTH2_KEY, settings.SOCIAL_AUTH_YANDEX_OAUTH2_SECRET),
    }
    server, base_url = start_sandbox(port=0, clients=clients)
    yield base_url
    stop_sandbox(server)


@pytest.fixture
def http():
    with httpx.Client(trust_env=False, timeout=10) as client:
        yield client


def test_sandbox_checks_client_redirect_uri_and_single_use_codes(sandbox, http):
    authorize = f"{sandbox}/google/o/oauth2/auth"
    redirect_uri = "http://localhost/oauth/complete/google-oauth2/"

    unknown_client = http.get(authorize, params={"client_id": "evil", "redirect_uri": redirect_uri})
    assert unknown_client.status_code == 400
    assert "Неизвестное приложение" in unknown_client.text
    bad_scheme = http.get(authorize, params={"client_id": "sandbox-google-client", "redirect_uri": "javascript:x"})
    assert bad_scheme.status_code == 400
    assert "Location" not in bad_scheme.headers

    page = http.get(authorize, params={"client_id": "sandbox-google-client", "redirect_uri": redirect_uri,
                                       "state": "s1", "response_type": "code", "login_hint": "hint@romashka.ru"})
    assert "Песочница Google — вход" in page.text
    assert 'value="hint@romashka.ru"' in page.text
    assert "e-mail подтверждён" in page.text
    assert "Разрешить" in page.text
    answer = http.post(authorize, data={"client_id": "sandbox-google-client", "redirect_uri": redirect_uri,
                                        "state": "s1", "email": "hint@romashka.ru", "name": "Хинт",
                                        "email_verified": "on"})
    query = dict(parse_qsl(urlsplit(answer.headers["location"]).query))
    assert query["state"] == "s1"

    token_url = f"{sandbox}/google/o/oauth2/token"
    exchange = {"code": query["code"], "client_id": "sandbox-google-client", "redirect_uri": redirect_uri,
                "grant_type": "authorization_code"}
    assert http.post(token_url, data={**exchange, "client_secret": "wrong"}).json()["error"] == "invalid_client"
    token = http.post(token_url, data={**exchange, "client_secret": "sandbox-google-secret"})
    assert token.status_code == 200
    assert token.json()["token_type"] == "Bearer"
    assert token.json()["expires_in"] == 3600
    replay = http.post(token_url, data={**exchange, "client_secret": "sandbox-google-secret"})
    assert (replay.status_code, replay.json()["error"]) == (400, "invalid_grant")

    access = token.json()["access_token"]
    profile = http.get(f"{sandbox}/google/oauth2/v3/userinfo", headers={"Authorization": f"Bearer {access}"}).json()
    assert profile["email"] == "hint@romashka.ru"
    assert profile["email_verified"] is True
    assert set(profile) >= {"sub", "email", "email_verified", "name", "given_name", "family_name", "picture"}
    # A Google token is worth nothing at Yandex.
    assert http.get(f"{sandbox}/yandex/info", headers={"Authorization": f"OAuth {access}"}).status_code == 401


def test_sandbox_listens_on_loopback_only():
    with pytest.raises(ValueError, match="loopback"):
        start_sandbox(host="0.0.0.0", port=0)  # noqa: S104
