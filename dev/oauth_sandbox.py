"""A local OAuth 2.0 provider speaking Google's and Yandex's protocol shapes, for development and tests.

Standard library only, loopback only, bounded (request size, pending codes and tokens, lifetimes).

    /google/o/oauth2/auth      consent page (GET) and its form (POST) → redirect_uri?code=…&state=…
    /google/o/oauth2/token     code → {"access_token", "token_type": "Bearer", "expires_in", …}
    /google/oauth2/v3/userinfo Authorization: Bearer <token> → {"sub", "email", "email_verified", …}
    /yandex/authorize          consent page and form
    /yandex/token              code → token
    /yandex/info?format=json   Authorization: OAuth <token> → {"id", "login", "default_email", …}

The "user" is whoever fills in the consent form: the same e-mail always gets the same provider id,
so signing in twice is the same provider account. Use :func:`start_sandbox` in tests and
``manage.py run_oauth_sandbox`` in development.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from dev.sandbox_http import LoopbackServer, SandboxHandler

logger = logging.getLogger(__name__)

DEFAULT_CLIENTS = {
    "google": ("sandbox-google-client", "sandbox-google-secret"),
    "yandex": ("sandbox-yandex-client", "sandbox-yandex-secret"),
}
DEFAULT_USERS = {
    "google": ("anna.petrova@gmail.com", "Анна Петрова"),
    "yandex": ("ivan.ivanov@yandex.ru", "Иван Иванов"),
}
TITLES = {"google": "Google", "yandex": "Яндекс"}

CODE_TTL_SECONDS = 600
TOKEN_TTL_SECONDS = 3600
MAX_PENDING = 1000  # codes and tokens each; the oldest go first
MAX_BODY_BYTES = 16 * 1024
MAX_FIELD_LENGTH = 254
ALLOWED_REDIRECT_SCHEMES = ("http", "https")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class _Grant:
    provider: str
    client_id: str
    redirect_uri: str
    profile: dict
    scope: str
    expires_at: float = field(default=0.0)


class _BoundedStore:
    """A thread-safe dict with expiry and a size cap (the oldest entries are dropped)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, _Grant] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, grant: _Grant) -> None:
        with self._lock:
            self._items[key] = grant
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def get(self, key: str) -> _Grant | None:
        with self._lock:
            grant = self._items.get(key)
            if grant is not None and grant.expires_at <= time.time():
                del self._items[key]
                return None
            return grant

    def pop(self, key: str) -> _Grant | None:
        """Take an entry out for good: a code is used once, whatever happens next."""
        with self._lock:
            grant = self._items.pop(key, None)
        if grant is None or grant.expires_at <= time.time():
            return None
        return grant

    def __len__(self) -> int:
        return len(self._items)


def _stable_digits(provider: str, email: str, length: int) -> str:
    digest = hashlib.sha256(f"{provider}:{email.lower()}".encode()).hexdigest()
    return str(int(digest, 16))[:length]


def _profile(provider: str, email: str, name: str, verified: bool) -> dict:
    email = email.strip()
    name = " ".join(name.split()) or email.split("@", 1)[0]
    first, _, last = name.partition(" ")
    if provider == "google":
        return {
            "sub": "1" + _stable_digits(provider, email, 20),
            "email": email,
            "email_verified": verified,
            "name": name,
            "given_name": first,
            "family_name": last,
            "picture": "",
            "locale": "ru",
        }
    login = email.split("@", 1)[0]
    return {
        "id": _stable_digits(provider, email, 10),
        "login": login,
        "client_id": "",
        "default_email": email,
        "emails": [email],
        "real_name": name,
        "first_name": first,
        "last_name": last,
        "display_name": login,
        "sex": None,
        "psuid": _stable_digits("psuid-" + provider, email, 24),
    }


def _valid_redirect_uri(uri: str) -> bool:
    if not uri or len(uri) > 2000:
        return False
    parts = urlsplit(uri)
    return parts.scheme in ALLOWED_REDIRECT_SCHEMES and bool(parts.hostname) and not parts.fragment


def _add_query(uri: str, params: dict) -> str:
    parts = urlsplit(uri)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f1f5f9;margin:0;padding:2rem 1rem;color:#0f172a}}
main{{max-width:26rem;margin:0 auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 3px #0002}}
h1{{font-size:1.25rem;margin:0 0 .5rem}} p{{color:#475569;font-size:.9rem}}
label{{display:block;margin:.75rem 0 .25rem;font-size:.9rem}}
input[type=email],input[type=text]{{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #cbd5e1;
border-radius:8px;font-size:1rem}}
.check label{{display:inline}} .row{{display:flex;gap:.5rem;margin-top:1.25rem}}
button{{flex:1;padding:.6rem;border-radius:8px;border:1px solid #cbd5e1;background:#fff;font-size:1rem;cursor:pointer}}
button.primary{{background:#2563eb;border-color:#2563eb;color:#fff}}
.error{{color:#b91c1c;background:#fef2f2;border:1px solid #fecaca;border-radius:8px;padding:.5rem}}
</style></head><body><main>{body}</main></body></html>"""


class SandboxServer(LoopbackServer):
    def __init__(self, address: tuple[str, int], clients: dict[str, tuple[str, str]] | None = None) -> None:
        self.clients = {**DEFAULT_CLIENTS, **(clients or {})}
        self.codes = _BoundedStore(MAX_PENDING)
        self.tokens = _BoundedStore(MAX_PENDING)
        self._thread: threading.Thread | None = None
        super().__init__(address, _Handler, name="OAuth-песочница")

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="oauth-sandbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Handler(SandboxHandler):
    server: SandboxServer
    server_version = "FastLeadOAuthSandbox/1.0"
    protocol_version = "HTTP/1.1"
    timeout = 15
    log_name = "oauth_sandbox"
    redirect_status = HTTPStatus.FOUND

    # --- routing ------------------------------------------------------------------------------

    ROUTES = {
        ("GET", "/google/o/oauth2/auth"): ("authorize_page", "google"),
        ("POST", "/google/o/oauth2/auth"): ("authorize_submit", "google"),
        ("POST", "/google/o/oauth2/token"): ("token", "google"),
        ("POST", "/google/token"): ("token", "google"),  # oauth2.googleapis.com/token shape
        ("GET", "/google/oauth2/v3/userinfo"): ("userinfo", "google"),
        ("GET", "/yandex/authorize"): ("authorize_page", "yandex"),
        ("POST", "/yandex/authorize"): ("authorize_submit", "yandex"),
        ("POST", "/yandex/token"): ("token", "yandex"),
        ("GET", "/yandex/info"): ("userinfo", "yandex"),
        ("POST", "/yandex/info"): ("userinfo", "yandex"),
    }

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        self.query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        path = parts.path.rstrip("/") or "/"
        try:
            self.form = self._read_form() if method == "POST" else {}
        except ValueError as exc:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "invalid_request", "error_description": str(exc)})
            return
        if path == "/" and method == "GET":
            self._index()
            return
        route = self.ROUTES.get((method, path))
        if route is None:
            known = {p for (_m, p) in self.ROUTES}
            status = HTTPStatus.METHOD_NOT_ALLOWED if path in known else HTTPStatus.NOT_FOUND
            self._json(status, {"error": "not_found" if status == HTTPStatus.NOT_FOUND else "method_not_allowed"})
            return
        handler, provider = route
        getattr(self, handler)(provider)

    def _read_form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            raise ValueError("request body too large")
        body = self.rfile.read(length).decode("utf-8", "replace") if length > 0 else ""
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                data = json.loads(body or "{}")
            except json.JSONDecodeError:
                return {}
            return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
        return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}

    # --- consent --------------------------------------------------------------------------------

    def _check_client(self, provider: str, params: dict[str, str]) -> str | None:
        """Russian error text for a request we must not redirect back from, else None."""
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if client_id != self.server.clients[provider][0]:
            return "Неизвестное приложение (client_id)."
        if not _valid_redirect_uri(redirect_uri):
            return "Недопустимый адрес возврата (redirect_uri): разрешены только http и https."
        return None

    def authorize_page(self, provider: str, *, values: dict | None = None, error: str = "") -> None:
        params = self.query if values is None else values
        problem = self._check_client(provider, params)
        if problem:
            self._error_page(provider, problem)
            return
        if params.get("response_type", "code") != "code":
            self._redirect(_add_query(params["redirect_uri"], {
                "error": "unsupported_response_type", **({"state": params["state"]} if params.get("state") else {}),
            }))
            return
        default_email, default_name = DEFAULT_USERS[provider]
        email = params.get("email") or params.get("login_hint") or default_email
        name = params.get("name") or (default_name if email == default_email else email.split("@", 1)[0])
        title = TITLES[provider]
        hidden = "".join(
            f'<input type="hidden" name="{key}" value="{html.escape(params.get(key, ""))}">'
            for key in ("client_id", "redirect_uri", "state", "scope", "response_type")
        )
        verified = values.get("email_verified") == "on" if values is not None else True
        checkbox = (
            '<p class="check"><input type="checkbox" id="email_verified" name="email_verified" value="on"'
            f'{" checked" if verified else ""}> <label for="email_verified">e-mail подтверждён</label></p>'
            if provider == "google" else ""
        )
        body = (
            f"<h1>Песочница {title} — вход</h1>"
            f"<p>Локальная замена {title} для разработки и тестов. Приложение "
            f"<b>{html.escape(params['client_id'])}</b> запрашивает ваше имя и e-mail.</p>"
            + (f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "")
            + f'<form method="post" action="{html.escape(urlsplit(self.path).path)}">{hidden}'
            f'<label for="email">E-mail</label><input type="email" id="email" name="email" required '
            f'maxlength="{MAX_FIELD_LENGTH}" value="{html.escape(email)}">'
            f'<label for="name">Имя</label><input type="text" id="name" name="name" '
            f'maxlength="{MAX_FIELD_LENGTH}" value="{html.escape(name)}">'
            f"{checkbox}"
            # "Разрешить" first: pressing Enter in a field submits with the first button.
            '<div class="row"><button type="submit" class="primary" name="decision" value="allow">Разрешить</button>'
            '<button type="submit" name="decision" value="deny">Отмена</button></div>'
            "</form>"
        )
        status = HTTPStatus.BAD_REQUEST if error else HTTPStatus.OK
        self._html(status, PAGE.format(title=f"Песочница {title}", body=body))

    def authorize_submit(self, provider: str) -> None:
        form = self.form
        problem = self._check_client(provider, form)
        if problem:
            self._error_page(provider, problem)
            return
        state = {"state": form["state"]} if form.get("state") else {}
        if form.get("decision") == "deny":
            self._redirect(_add_query(form["redirect_uri"], {"error": "access_denied", **state}))
            return
        email, name = form.get("email", "").strip(), form.get("name", "").strip()
        if not EMAIL_RE.match(email) or len(email) > MAX_FIELD_LENGTH or len(name) > MAX_FIELD_LENGTH:
            self.authorize_page(provider, values=form, error="Введите корректный e-mail.")
            return
        verified = provider == "yandex" or form.get("email_verified") == "on"
        code = secrets.token_urlsafe(24)
        self.server.codes.put(code, _Grant(
            provider=provider, client_id=form["client_id"], redirect_uri=form["redirect_uri"],
            profile=_profile(provider, email, name, verified), scope=form.get("scope", ""),
            expires_at=time.time() + CODE_TTL_SECONDS,
        ))
        self._redirect(_add_query(form["redirect_uri"], {"code": code, **state}))

    # --- token and user info ------------------------------------------------------------------------

    def _client_credentials(self) -> tuple[str, str]:
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return "", ""
            return client_id, secret
        return self.form.get("client_id", ""), self.form.get("client_secret", "")

    def token(self, provider: str) -> None:
        form = self.form
        client_id, secret = self._client_credentials()
        expected_id, expected_secret = self.server.clients[provider]
        if not (secrets.compare_digest(client_id, expected_id) and secrets.compare_digest(secret, expected_secret)):
            self._json(HTTPStatus.UNAUTHORIZED, {"error": "invalid_client", "error_description": "Unknown client"})
            return
        if form.get("grant_type") != "authorization_code":
            self._json(HTTPStatus.BAD_REQUEST, {"error": "unsupported_grant_type"})
            return
        grant = self.server.codes.pop(form.get("code", ""))
        if grant is None or grant.provider != provider or grant.client_id != client_id:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "invalid_grant", "error_description": "Malformed auth code."})
            return
        if form.get("redirect_uri", "") != grant.redirect_uri:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "redirect_uri_mismatch",
                                                "error_description": "Bad Request"})
            return
        access_token = ("ya29." if provider == "google" else "y0_") + secrets.token_urlsafe(32)
        grant.expires_at = time.time() + TOKEN_TTL_SECONDS
        self.server.tokens.put(access_token, grant)
        body: dict = {"access_token": access_token, "token_type": "Bearer", "expires_in": TOKEN_TTL_SECONDS}
        if provider == "google":
            body["scope"] = grant.scope or "openid email profile"
        else:
            body["token_type"] = "bearer"  # noqa: S105  (Yandex spells it in lower case)
            body["refresh_token"] = "1:" + secrets.token_urlsafe(32)
        self._json(HTTPStatus.OK, body)

    def userinfo(self, provider: str) -> None:
        scheme = "Bearer" if provider == "google" else "OAuth"
        auth = self.headers.get("Authorization") or ""
        token = auth[len(scheme) + 1:].strip() if auth.lower().startswith(scheme.lower() + " ") else ""
        if not token and provider == "google":
            token = self.query.get("access_token", "")
        if not token and provider == "yandex":
            token = self.query.get("oauth_token", "") or self.form.get("oauth_token", "")
        grant = self.server.tokens.get(token) if token else None
        if grant is None or grant.provider != provider:
            headers = {"WWW-Authenticate": f'{scheme} error="invalid_token"'} if provider == "google" else {}
            self._json(HTTPStatus.UNAUTHORIZED, {"error": "invalid_token", "error_description": "Invalid Credentials"},
                       headers)
            return
        profile = dict(grant.profile)
        if provider == "yandex":
            profile["client_id"] = grant.client_id
        self._json(HTTPStatus.OK, profile)

    # --- pages and responses --------------------------------------------------------------------------

    def _index(self) -> None:
        items = "".join(
            f"<li>{title}: <code>{html.escape(self.server.base_url)}/{provider}</code></li>"
            for provider, title in TITLES.items()
        )
        body = f"<h1>OAuth-песочница Fast Lead</h1><p>Локальные Google и Яндекс для разработки.</p><ul>{items}</ul>"
        self._html(HTTPStatus.OK, PAGE.format(title="OAuth-песочница", body=body))

    def _error_page(self, provider: str, message: str) -> None:
        title = TITLES[provider]
        body = f'<h1>Песочница {title} — ошибка</h1><p class="error" role="alert">{html.escape(message)}</p>'
        self._html(HTTPStatus.BAD_REQUEST, PAGE.format(title=f"Песочница {title}", body=body))


def start_sandbox(
    host: str = "127.0.0.1", port: int = 0, clients: dict[str, tuple[str, str]] | None = None
) -> tuple[SandboxServer, str]:
    """Serve the sandbox from a daemon thread; returns the server and its base URL (no trailing slash).

    ``clients`` maps ``"google"`` / ``"yandex"`` to ``(client_id, client_secret)``; the defaults
    match the settings' defaults. Stop it with :func:`stop_sandbox` (or ``server.stop()``).
    """
    server = SandboxServer((host, port), clients)
    server.start()
    return server, server.base_url


def stop_sandbox(server: SandboxServer) -> None:
    server.stop()


stop = stop_sandbox
