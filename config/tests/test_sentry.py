"""Errors reach Sentry without personal data: a real loopback HTTP server stands in for Sentry's ingest."""

import gzip
import json
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from config.sentry import init_sentry
from conftest import host_of
from core.tests.crash_urls import CRASH_PATH

pytestmark = pytest.mark.django_db

EMAIL, PHONE = "ivan.petrov@example.ru", "+7 999 123-45-67"
SESSION, TOKEN = "sessionvalue0123456789abcdef", "bearer-secret-0123456789"


class Ingest(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), IngestHandler)
        self.envelopes: list[str] = []


class IngestHandler(BaseHTTPRequestHandler):
    server: Ingest

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        self.server.envelopes.append(body.decode())
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sentry_ingest(settings) -> Iterator[Ingest]:
    server = Ingest()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.PUBLIC_SCHEMA_URLCONF = "core.tests.crash_urls"
    init_sentry(dsn=f"http://publickey@127.0.0.1:{server.server_address[1]}/1", environment="test",
                release="fastlead@test", traces_sample_rate=0)
    try:
        yield server
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
        server.shutdown()
        server.server_close()


def events_in(envelopes: list[str]) -> list[dict]:
    """Each envelope is a header line, then an item header line and its payload, item after item."""
    events = []
    for envelope in envelopes:
        lines = envelope.splitlines()
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def through_wsgi(path: str, data: dict, **environ: str) -> int:
    """The request as gunicorn hands it over: Sentry's request data comes from its WSGI wrapper."""
    statuses: list[str] = []
    request = RequestFactory(HTTP_HOST=host_of()).post(path, data, **environ)
    # As the test client does: the test's transaction stays open across the request.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        answer = WSGIHandler()(request.environ, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(answer)
        answer.close()
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
    return int(statuses[0].split()[0])


def test_an_error_reaches_sentry_without_personal_data(sentry_ingest):
    status = through_wsgi(f"{CRASH_PATH}?email={EMAIL}&utm_source=mail", {"contact": f"{EMAIL} {PHONE}"},
                          HTTP_COOKIE=f"sessionid={SESSION}", HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
                          HTTP_X_FORWARDED_FOR="203.0.113.77", REMOTE_ADDR="198.51.100.23")
    assert status == 500
    assert sentry_sdk.flush(timeout=10) is None

    sent = "\n".join(sentry_ingest.envelopes)
    events = [event for event in events_in(sentry_ingest.envelopes)
              if event.get("exception", {}).get("values", [{}])[-1].get("type") == "RuntimeError"]
    assert events, sent[:2000]
    event = events[0]
    assert event["environment"] == "test"
    assert event["release"] == "fastlead@test"
    assert event["exception"]["values"][-1]["value"] == "Заявка не обработана: [email] [phone]"
    assert event["request"]["url"].endswith(CRASH_PATH)
    assert "[email]" in event["request"]["query_string"]
    assert "data" not in event["request"]
    assert "cookies" not in event["request"]
    assert not {"authorization", "cookie", "x-forwarded-for"} & {name.lower() for name in event["request"]["headers"]}
    assert "ip_address" not in event.get("user", {})
    crumbs = [crumb.get("message", "") for crumb in event.get("breadcrumbs", {}).get("values", [])]
    assert "Заявка от [email] [phone]" in crumbs
    for secret in (EMAIL, "ivan.petrov", "999 123-45-67", "123-45-67", SESSION, TOKEN, "203.0.113.77",
                   "198.51.100.23"):
        assert secret not in sent, secret


def test_without_a_dsn_nothing_is_initialised():
    init_sentry(dsn="", environment="test", release="", traces_sample_rate=0)
    assert not sentry_sdk.get_client().is_active()
