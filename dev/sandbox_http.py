"""The HTTP plumbing the local sandboxes share (OAuth providers, payment providers): loopback only, responses and
quiet logs."""

import ipaddress
import json
import logging
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1 — where the local sandboxes may listen."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class LoopbackServer(ThreadingHTTPServer):
    """A sandbox's server: loopback only (IPv4 or IPv6), a thread per connection but never more than
    ``max_connections`` at once (a hung fault holds one)."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 32
    max_connections = 32

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], *, name: str) -> None:
        if not is_loopback(address[0]):
            raise ValueError(f"{name} слушает только loopback: 127.0.0.1, ::1 или localhost.")
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self._slots = threading.BoundedSemaphore(self.max_connections)
        super().__init__(address, handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        if not isinstance(host, str):  # bound to a str address; the socket module may also hand back bytes
            host = host.decode()
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    def process_request(self, request: socket.socket | tuple[bytes, socket.socket], client_address: tuple) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self._slots.release()
            raise

    def process_request_thread(self, request: socket.socket | tuple[bytes, socket.socket],
                               client_address: tuple) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class SandboxHandler(BaseHTTPRequestHandler):
    """GET and POST go to ``_dispatch(method)``; HEAD is refused. Subclasses name themselves in ``log_name``."""

    log_name = "sandbox"
    redirect_status = HTTPStatus.SEE_OTHER

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_HEAD(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"", "text/plain")

    def _dispatch(self, method: str) -> None:
        raise NotImplementedError

    def _json_object(self, raw: bytes) -> dict | None:
        """A control command's JSON object; None, with a 400 answered, when the body is not one."""
        try:
            body = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            self._json(HTTPStatus.BAD_REQUEST, {"error": "Тело запроса — JSON-объект."})
            return None
        return body

    def _redirect(self, location: str) -> None:
        self._send(self.redirect_status, b"", "text/plain", {"Location": location})

    def _html(self, status: int, page: str) -> None:
        self._send(status, page.encode(), "text/html; charset=utf-8", {
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            "X-Frame-Options": "DENY",
        })

    def _json(self, status: int, data: object, headers: dict | None = None) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8", headers)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting

    def log_message(self, format: str, *args) -> None:
        # Query strings carry codes, tokens and login hints: log the method and path only.
        logger.debug("%s %s %s", self.log_name, getattr(self, "command", "-"), urlsplit(getattr(self, "path", "")).path)

    def log_error(self, format: str, *args) -> None:
        # BaseHTTPRequestHandler's error texts quote the raw request line: keep only the status.
        status = args[0] if args and isinstance(args[0], int) else "-"
        logger.info("%s_error %s", self.log_name, status)
