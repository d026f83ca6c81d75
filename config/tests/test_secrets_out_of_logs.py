"""One-time secrets, e-mail addresses and client IPs stay out of every log line: the application's loggers, Django's
request and server loggers, runserver's and gunicorn's access lines, the development e-mail delivery."""

import io
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler
from django.db import connection
from django.test import Client
from gunicorn.config import Config

from config import gunicorn as gunicorn_settings
from conftest import free_port
from core.logging import EMAIL_RE
from dev.mailbox.models import DevMessage
from shared_apps.tenancy.models import Tenant

ROOT = settings.BASE_DIR
TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfG"
VISITOR_IP, VISITOR_IPV6 = "203.0.113.77", "2001:db8:beef:1::77"
PASSWORD = "Крепкий-пароль-2026"


# --- real servers: gunicorn (production) and runserver (development) ------------------------------------------


def server_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/"
                                          f"{db['NAME']}",
            "CACHE_KEY_PREFIX": settings.CACHE_KEY_PREFIX, "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"}


@contextmanager
def running(command: list[str], port: int, log) -> Iterator[None]:
    server = subprocess.Popen(command, cwd=ROOT, env=server_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield
    finally:
        server.terminate()
        server.wait(timeout=20)


def get(port: int, path: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={
        "Host": "localhost", "Referer": f"http://{VISITOR_IP}/password/reset/{TOKEN}", "User-Agent": "Test/1.0"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own local server)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


LINKS = [f"/email/confirm/{TOKEN}", f"/email/change/{TOKEN}", f"/password/reset/{TOKEN}", f"/invite/{TOKEN}",
         f"/auth/handoff?token={TOKEN}", "/login?" + urlencode({"next": f"/invite/{TOKEN}"})]


@pytest.mark.parametrize("server", ["gunicorn", "runserver"])
def test_access_lines_of_the_real_servers_carry_no_token_and_no_full_client_ip(server, transactional_db, tmp_path):
    port = free_port()
    command = {
        "gunicorn": [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}",
                     "--workers", "1", "config.wsgi"],
        "runserver": [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
    }[server]
    log_path = tmp_path / f"{server}.log"
    with log_path.open("w") as log, running(command, port, log):
        statuses = [get(port, link) for link in LINKS]
        deadline = time.monotonic() + 10  # runserver writes its access line after the response has gone
        while log_path.read_text().count('"GET /') < len(LINKS) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert statuses == [400, 400, 400, 400, 404, 200]
    output = log_path.read_text()
    assert output.count('"GET /') == len(LINKS), output[-3000:]  # an access line per request
    for path in ("/email/confirm/[token]", "/email/change/[token]", "/password/reset/[token]",
                 "/auth/handoff?token=[token]", "/login?next=%2Finvite%2F[token]"):
        assert f"GET {path} HTTP/1.1" in output, path
    assert TOKEN[:20] not in output
    assert VISITOR_IP not in output
    if server == "gunicorn":
        assert f'"http://{VISITOR_IP.rsplit(".", 1)[0]}.0/24/password/reset/[token]"' in output  # the referrer


# --- a whole journey in-process, with every logger at DEBUG -----------------------------------------------------


@contextmanager
def printed_logs() -> Iterator[io.StringIO]:
    """What the process's log handlers print, every logger at DEBUG (SQL included), collected in one buffer."""
    buffer = io.StringIO()
    loggers = [logging.getLogger(), *(logger for logger in logging.root.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    levels = {logger: logger.level for logger in loggers}
    streams = {}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler and handler not in streams:  # not pytest's capture
                streams[handler] = handler.setStream(buffer)
    connection.force_debug_cursor = True
    try:
        yield buffer
    finally:
        connection.force_debug_cursor = False
        for handler, stream in streams.items():
            handler.setStream(stream)
        for logger, level in levels.items():
            logger.setLevel(level)


class AccessLogged(Client):
    """A test client whose every request is also written down the way runserver and gunicorn do it."""

    def __init__(self, host: str, ip: str, access_log, redirects: list[str]) -> None:
        super().__init__(HTTP_HOST=host, REMOTE_ADDR=ip, HTTP_USER_AGENT="Mozilla/5.0 (Test)")
        self.access_log, self.redirects = access_log, redirects

    def request(self, **request):
        response = super().request(**request)
        if response.has_header("Location"):
            self.redirects.append(response["Location"])  # hand-off links carry one-time tokens too
        wsgi = response.wsgi_request
        requestline = f"{wsgi.method} {wsgi.get_full_path()} HTTP/1.1"
        runserver = WSGIRequestHandler.__new__(WSGIRequestHandler)  # its logging, without a socket to serve
        runserver.request, runserver.requestline = None, requestline
        runserver.log_request(response.status_code, len(response.content))
        headers = [(key[5:].replace("_", "-"), value) for key, value in wsgi.META.items() if key.startswith("HTTP_")]
        self.access_log.access(
            SimpleNamespace(status=f"{response.status_code} -", headers=list(response.items()),
                            sent=len(response.content)),
            SimpleNamespace(headers=headers),
            {**wsgi.META, "RAW_URI": wsgi.get_full_path(), "SERVER_PROTOCOL": "HTTP/1.1"},
            timedelta(milliseconds=7),
        )
        return response


def follow(response, client: Client):
    target = urlsplit(response["Location"])
    return client.get(f"{target.path}?{target.query}" if target.query else target.path)


def last_link(to: str, path: str) -> str:
    message = DevMessage.objects.filter(to=to).order_by("-pk").first()
    return re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]+)", message.text).group(1)


def test_a_whole_journey_logs_no_token_no_address_and_no_full_ip(transactional_db, settings, send_mail_now):
    settings.EMAIL_BACKEND = "dev.mailbox.backends.DevMailboxBackend"  # and on to the log line, as in development
    config = Config()
    config.set("accesslog", gunicorn_settings.accesslog)
    access_log, redirects = gunicorn_settings.RedactingLogger(config), []
    public = AccessLogged("localhost", VISITOR_IP, access_log, redirects)
    with printed_logs() as printed, send_mail_now():
        assert public.post("/signup", {"name": "Ольга", "email": "olga@romashka.ru", "password": PASSWORD,
                                       "company": "Ромашка"}).status_code == 302
        tenant = Tenant.objects.get(slug="romashka")
        workspace = AccessLogged(tenant.primary_host, VISITOR_IPV6, access_log, redirects)
        confirm = last_link("olga@romashka.ru", "/email/confirm/")
        assert follow(public.get(confirm), workspace).status_code == 302  # hand-off → the onboarding page
        assert public.get(confirm).status_code == 400  # spent: an error record with the request in it

        assert workspace.post("/settings/email", {"email": "olga.new@romashka.ru"}).status_code == 302
        assert public.get(last_link("olga.new@romashka.ru", "/email/change/")).status_code == 200

        stranger = AccessLogged("localhost", VISITOR_IP, access_log, redirects)
        assert stranger.post("/password/reset", {"email": "olga.new@romashka.ru"}).status_code == 200
        reset = last_link("olga.new@romashka.ru", "/password/reset/")
        assert stranger.get(reset).status_code == 200
        assert stranger.post(reset, {"password": "Совсем-новый-2027"}).status_code == 302
        assert stranger.post("/login", {"email": "olga.new@romashka.ru", "password": "wrong"}).status_code == 401
        again = stranger.post("/login", {"email": "olga.new@romashka.ru", "password": "Совсем-новый-2027"})
        admin = AccessLogged(tenant.primary_host, VISITOR_IPV6, access_log, redirects)
        assert follow(again, admin).status_code == 302

        assert admin.post("/team/invite", {"email": "boris@romashka.ru", "role": "operator"}).status_code == 302
        invitation = last_link("boris@romashka.ru", "/invite/")
        boris = AccessLogged("localhost", "198.51.100.23", access_log, redirects)
        assert boris.get("/login?" + urlencode({"next": invitation})).status_code == 200
        assert boris.get(invitation).status_code == 200
        joined = boris.post(invitation, {"name": "Борис", "password": PASSWORD})
        boris_at_work = AccessLogged(tenant.primary_host, "198.51.100.23", access_log, redirects)
        assert follow(joined, boris_at_work).status_code == 302

    log = printed.getvalue()
    lines = log.splitlines()
    secrets = {match for message in DevMessage.objects.all()
               for match in re.findall(r"/(?:email/confirm|email/change|password/reset|invite)/([\w-]+)", message.text)}
    secrets |= {match for link in redirects for match in re.findall(r"token=([\w-]{16,})", link)}
    addresses = {"olga@romashka.ru", "olga.new@romashka.ru", "boris@romashka.ru"}
    ips = {VISITOR_IP, VISITOR_IPV6, "198.51.100.23"}
    pii_lines = [line for line in lines
                 if any(secret in line for secret in secrets | addresses | ips) or EMAIL_RE.search(line)]
    assert len(secrets) >= 7  # confirmation, e-mail change, reset, invitation and three hand-offs
    assert len(lines) > 200
    assert pii_lines == []
    # It did log what happened, redacted: access lines of both servers, the delivery lines, SQL, error records.
    for expected in ('"GET /email/confirm/[token] HTTP/1.1" 302', "GET /invite/[token] HTTP/1.1", "dev_email_delivered",
                     "203.0.113.0/24", "2001:db8:beef::/48", "Bad Request: /email/confirm/[token]", "SELECT",
                     "/login?next=%2Finvite%2F[token]"):
        assert expected in log, expected
