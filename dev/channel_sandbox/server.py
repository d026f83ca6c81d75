"""The channel sandbox's HTTP server: routing, switches (5xx, 429, revoked credentials) and the control API."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import deque
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from dev.channel_sandbox import telegram, twilio
from dev.sandbox_http import LoopbackServer, SandboxHandler

logger = logging.getLogger(__name__)

DEFAULT_TWILIO = ("AC5a1dbfa57000000000000000000f1ead", "5a1db0c0ffee0000000000000000f1ea", "+15005550006")
DEFAULT_TELEGRAM = "7000000001:AAFastLeadSandboxBotToken-0123456789"
PROVIDERS = ("twilio", "telegram")
FAULTS = ("none", "http_500", "rate_limit", "revoked")
MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGES = 1000
MAX_FAULT_TIMES = 1000


class ChannelSandbox(LoopbackServer):
    """Twilio and the Telegram Bot API on one loopback port; sent messages are kept in memory (the last 1000)."""

    def __init__(self, address: tuple[str, int], *, twilio_credentials: tuple[str, str, str] = DEFAULT_TWILIO,
                 telegram_token: str = DEFAULT_TELEGRAM) -> None:
        super().__init__(address, _Handler, name="Песочница каналов")
        self.twilio = twilio.Twilio(*twilio_credentials)
        self.telegram = telegram.Telegram(telegram_token)
        self.lock = threading.Lock()
        self._messages: deque[dict] = deque(maxlen=MAX_MESSAGES)
        self._faults: dict[str, tuple[str, int]] = {}
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="channel-sandbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
        self.server_close()

    def set_fault(self, provider: str, mode: str, times: int = 1) -> None:
        """The next ``times`` API calls to ``provider`` answer 500 (``http_500``) or 429 (``rate_limit``);
        ``revoked`` refuses its credentials until the fault is set to ``none``."""
        if provider not in PROVIDERS:
            raise ValueError("provider — twilio или telegram.")
        if mode not in FAULTS:
            raise ValueError(f"mode — одно из: {', '.join(FAULTS)}.")
        if isinstance(times, bool) or not isinstance(times, int) or not 0 <= times <= MAX_FAULT_TIMES:
            raise ValueError(f"times — целое число от 0 до {MAX_FAULT_TIMES}.")
        with self.lock:
            if mode == "none" or times == 0:
                self._faults.pop(provider, None)
            else:
                self._faults[provider] = (mode, times)

    def take_fault(self, provider: str) -> str:
        """The fault this call suffers ("none" when there is none); counts down all but ``revoked``."""
        with self.lock:
            mode, times = self._faults.get(provider, ("none", 0))
            if mode in ("http_500", "rate_limit"):
                if times <= 1:
                    self._faults.pop(provider)
                else:
                    self._faults[provider] = (mode, times - 1)
            return mode

    def record(self, message: dict) -> None:
        with self.lock:
            self._messages.append(message)

    def messages(self, provider: str = "") -> list[dict]:
        with self.lock:
            return [message for message in self._messages if not provider or message["provider"] == provider]

    def reset(self) -> None:
        with self.lock:
            self._messages.clear()
            self._faults.clear()

    def switches(self) -> dict:
        with self.lock:
            return {provider: {"mode": mode, "times": times} for provider, (mode, times) in self._faults.items()}


class _Handler(SandboxHandler):
    server: ChannelSandbox
    log_name = "channel_sandbox"

    def log_message(self, format: str, *args) -> None:
        # The Telegram Bot API carries the bot's token in the path.
        logger.debug("%s %s %s", self.log_name, getattr(self, "command", "-"),
                     re.sub(r"/bot[^/]+", "/bot***", urlsplit(getattr(self, "path", "")).path))

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "Слишком большое тело запроса."})
            return
        raw = self.rfile.read(length) if length else b""
        path = parts.path
        if path.startswith("/twilio/"):
            self._twilio(method, path.removeprefix("/twilio"), raw)
        elif path.startswith("/telegram/bot"):
            self._telegram(path.removeprefix("/telegram/bot"), parts.query, raw)
        elif path.startswith("/_sandbox/"):
            self._control(method, path.removeprefix("/_sandbox/"), parts.query, raw)
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "Нет такого адреса в песочнице каналов."})

    def _answer(self, status: int, body: dict, sent: dict | None) -> None:
        if sent is not None:
            self.server.record(sent)
        self._json(status, body, {"Retry-After": "5"} if status == HTTPStatus.TOO_MANY_REQUESTS else None)

    def _twilio(self, method: str, path: str, raw: bytes) -> None:
        fault = self.server.take_fault("twilio")
        if fault == "http_500":
            self._answer(*twilio.SERVER_ERROR, None)
            return
        if fault == "revoked":
            self._answer(*twilio.AUTHENTICATE, None)
            return
        if fault == "rate_limit":
            self._answer(*twilio.TOO_MANY, None)
            return
        try:
            form = parse_qs(raw.decode(), keep_blank_values=True, strict_parsing=False) if raw else {}
        except UnicodeDecodeError:
            form = {}
        with self.server.lock:
            result = self.server.twilio.handle(method, path, self.headers.get("Authorization", ""),
                                               self.headers.get("Content-Type", ""), form)
        self._answer(*result)

    def _telegram(self, rest: str, query: str, raw: bytes) -> None:
        token, _, method = rest.partition("/")
        fault = self.server.take_fault("telegram")
        if fault == "revoked" or not self.server.telegram.authorized(token):
            self._answer(*telegram.UNAUTHORIZED, None)
            return
        if fault == "http_500":
            self._answer(*telegram.SERVER_ERROR, None)
            return
        if fault == "rate_limit":
            self._answer(*telegram.too_many(5), None)
            return
        params = self._telegram_params(query, raw)
        if params is None:
            self._answer(*telegram.error(HTTPStatus.BAD_REQUEST, "Bad Request: can't parse JSON"), None)
            return
        with self.server.lock:
            result = self.server.telegram.handle(method, params)
        self._answer(*result)

    def _telegram_params(self, query: str, raw: bytes) -> dict | None:
        """Parameters as the Bot API takes them: query string, form or JSON (multipart is not emulated)."""
        params: dict = {key: values[0] for key, values in parse_qs(query).items()}
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            if content_type == "application/json" and raw:
                body = json.loads(raw)
                if not isinstance(body, dict):
                    return None
                params.update(body)
            elif raw:
                params.update({key: values[0] for key, values in parse_qs(raw.decode()).items()})
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        return params

    def _control(self, method: str, name: str, query: str, raw: bytes) -> None:
        server = self.server
        if method == "GET" and name == "messages":
            provider = parse_qs(query).get("provider", [""])[0]
            self._json(HTTPStatus.OK, {"messages": server.messages(provider)})
            return
        if method != "POST" or name not in ("faults", "reset"):
            self._json(HTTPStatus.NOT_FOUND, {"error": "Нет такой команды песочницы."})
            return
        if name == "reset":
            server.reset()
            self._json(HTTPStatus.OK, server.switches())
            return
        try:
            body = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            self._json(HTTPStatus.BAD_REQUEST, {"error": "Тело запроса — JSON-объект."})
            return
        try:
            server.set_fault(str(body.get("provider", "")), str(body.get("mode", "")), body.get("times", 1))
        except ValueError as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        self._json(HTTPStatus.OK, server.switches())


def start_sandbox(host: str = "127.0.0.1", port: int = 0, **kwargs) -> tuple[ChannelSandbox, str]:
    """Serve a sandbox from a daemon thread; returns it and its base URL. Stop it with ``server.stop()``."""
    server = ChannelSandbox((host, port), **kwargs)
    server.start()
    return server, server.base_url
