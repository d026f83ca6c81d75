"""The channel sandbox's HTTP server: routing, switches (5xx, 429, revoked credentials) and the control API."""

from __future__ import annotations

import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit, urlunsplit

from dev.channel_sandbox import calcom, page, sendgrid, ses, smsc, smtp_server, telegram, twilio, whatsapp
from dev.channel_sandbox.base import Provider, Request
from dev.channel_sandbox.max import Max  # the module's name shadows the builtin
from dev.sandbox_http import LoopbackServer, SandboxHandler

logger = logging.getLogger(__name__)

DEFAULT_TWILIO = ("AC5a1dbfa57000000000000000000f1ead", "5a1db0c0ffee0000000000000000f1ea", "+15005550006")
DEFAULT_TELEGRAM = "7000000001:AAFastLeadSandboxBotToken-0123456789"
FAULTS = ("none", "http_500", "rate_limit", "timeout", "revoked")
WEBHOOK_TIMEOUT_SECONDS = 10
MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGES = 1000
MAX_FAULT_TIMES = 1000


class ChannelSandbox(LoopbackServer):
    """Every emulated provider on one loopback port, each under ``/<name>/``; sent messages are kept in memory
    (the last 1000). ``timeout_seconds``: how long a ``timeout`` fault keeps the caller waiting."""

    def __init__(self, address: tuple[str, int], *, twilio_credentials: tuple[str, str, str] = DEFAULT_TWILIO,
                 telegram_token: str = DEFAULT_TELEGRAM, timeout_seconds: float = 15, smtp_port: int = 0) -> None:
        super().__init__(address, _Handler, name="Песочница каналов")
        self.providers: dict[str, Provider] = {
            provider.name: provider for provider in (
                twilio.Twilio(*twilio_credentials),
                telegram.Telegram(telegram_token),
                smsc.Smsc(*smsc.DEFAULT_SMSC),
                calcom.CalCom(),
                whatsapp.WhatsApp(),
                Max(),
                sendgrid.SendGrid(*sendgrid.DEFAULT_SENDGRID),
                ses.Ses(*ses.DEFAULT_SES, url=f"{self.base_url}/ses"),
            )
        }
        self.timeout_seconds = timeout_seconds
        self.lock = threading.Lock()
        self._messages: deque[dict] = deque(maxlen=MAX_MESSAGES)
        self._faults: dict[str, tuple[str, int]] = {}
        self._thread: threading.Thread | None = None
        try:
            self.smtp = smtp_server.SmtpSandbox((address[0], smtp_port), self)
        except OSError:
            super().server_close()
            raise

    @property
    def smtp_port(self) -> int:
        """Where the SMTP server of the sandbox listens, on the same loopback address."""
        return self.smtp.port

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """HTTP in this thread and SMTP in another, both until :meth:`shutdown`."""
        smtp = threading.Thread(target=self.smtp.serve_forever, kwargs={"poll_interval": 0.05},
                                name="channel-sandbox-smtp", daemon=True)
        smtp.start()
        try:
            super().serve_forever(poll_interval)
        finally:
            self.smtp.shutdown()
            smtp.join(timeout=5)

    def server_close(self) -> None:
        super().server_close()
        self.smtp.server_close()

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
        """The next ``times`` API calls to ``provider`` answer 500 (``http_500``), 429 (``rate_limit``) or hang
        ``timeout_seconds`` then answer 500 (``timeout``); ``revoked`` refuses its credentials until the fault is
        set to ``none``."""
        if provider not in self.providers and provider != smtp_server.NAME:
            raise ValueError(f"provider — одно из: {', '.join([*self.providers, smtp_server.NAME])}.")
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
            if mode in ("http_500", "rate_limit", "timeout"):
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

    def send_inbound(self, provider: str, params: dict) -> dict:
        """Deliver the webhook ``provider`` would send for a person's message; returns our app's answer."""
        if provider not in self.providers:
            raise ValueError(f"provider — одно из: {', '.join(self.providers)}.")
        with self.lock:
            webhook = self.providers[provider].inbound(params)
        target, host = loopback_target(webhook.url)
        request = urllib.request.Request(target, data=webhook.body,  # noqa: S310 — our app's http(s) webhook
                                         headers={**webhook.headers, **host}, method=webhook.method)
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
                return {"status": response.status, "body": response.read(2000).decode(errors="replace")}
        except urllib.error.HTTPError as exc:
            return {"status": exc.code, "body": exc.read(2000).decode(errors="replace")}
        except (urllib.error.URLError, TimeoutError) as exc:
            raise ValueError(f"Не удалось доставить вебхук на {webhook.url}: {exc}") from exc

    def switches(self) -> dict:
        with self.lock:
            return {provider: {"mode": mode, "times": times} for provider, (mode, times) in self._faults.items()}


def loopback_target(url: str) -> tuple[str, dict[str, str]]:
    """``<slug>.localhost`` (a development workspace) does not resolve outside a browser: connect to 127.0.0.1
    and name the host in the ``Host`` header, as the browser does."""
    parts = urlsplit(url)
    if not (parts.hostname or "").endswith(".localhost"):
        return url, {}
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(parts.hostname or "", "127.0.0.1", 1))), {
        "Host": parts.netloc}


class _Handler(SandboxHandler):
    server: ChannelSandbox
    log_name = "channel_sandbox"

    def log_message(self, format: str, *args) -> None:
        # The Telegram and MAX APIs carry the bot's token in the path.
        logger.debug("%s %s %s", self.log_name, getattr(self, "command", "-"),
                     re.sub(r"/bot[^/]+", "/bot***", urlsplit(getattr(self, "path", "")).path))

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "Слишком большое тело запроса."})
            return
        raw = self.rfile.read(length) if length else b""
        name, _, rest = parts.path.lstrip("/").partition("/")
        if name == "_sandbox":
            self._control(method, rest, parts.query, raw)
            return
        provider = self.server.providers.get(name)
        if provider is None:
            self._json(HTTPStatus.NOT_FOUND, {"error": "Нет такого адреса в песочнице каналов."})
            return
        fault = self.server.take_fault(name)
        if fault == "timeout":
            time.sleep(self.server.timeout_seconds)
            fault = "http_500"
        request = Request(method, "/" + rest, parts.query, self.headers, raw)
        with self.server.lock:
            answer = provider.fault(fault) if fault != "none" else provider.handle(request)
        if answer.sent is not None:
            self.server.record(answer.sent)
        if isinstance(answer.body, str):
            self._text(answer.status, answer.body, answer.headers)
        else:
            self._json(answer.status, answer.body, answer.headers or None)

    def _text(self, status: int, text: str, headers: dict[str, str]) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", headers.get("Content-Type", "text/plain; charset=utf-8"))
        for key, value in headers.items():
            if key != "Content-Type":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _control(self, method: str, name: str, query: str, raw: bytes) -> None:
        server = self.server
        if page.handles(self, server, method, name, raw, query):  # the page at /_sandbox/ and its forms
            return
        if method == "GET" and name == "messages":
            provider = parse_qs(query).get("provider", [""])[0]
            self._json(HTTPStatus.OK, {"messages": server.messages(provider)})
            return
        if method != "POST" or name not in ("faults", "reset", "inbound"):
            self._json(HTTPStatus.NOT_FOUND, {"error": "Нет такой команды песочницы."})
            return
        if name == "reset":
            server.reset()
            self._json(HTTPStatus.OK, server.switches())
            return
        body = self._json_object(raw)
        if body is None:
            return
        try:
            if name == "inbound":
                self._json(HTTPStatus.OK, server.send_inbound(str(body.get("provider", "")), body))
                return
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
