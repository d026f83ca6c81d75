import io
import json
import logging

import pytest
from django.conf import settings

from core.context import request_id_var


@pytest.fixture
def json_log():
    """A logger wired exactly like the console handler in settings.LOGGING, writing to a buffer."""
    stream = io.StringIO()
    config = settings.LOGGING
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_build(config["formatters"]["json"]))
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(_build(config["filters"][name]))
    logger = logging.getLogger("test.pii")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.handlers = []


def _build(spec: dict):
    factory = spec["()"]
    if isinstance(factory, str):
        module, _, name = factory.rpartition(".")
        factory = getattr(__import__(module, fromlist=[name]), name)
    return factory(**{key: value for key, value in spec.items() if key != "()"})


def test_logs_are_json_with_the_request_id_and_no_pii(json_log):
    logger, stream = json_log
    token = request_id_var.set("req-42")
    try:
        logger.info(
            "lead from %s, call %s", "ivan.petrov@mail.ru", "+7 (916) 123-45-67",
            extra={"contact": "olga@yandex.ru / 8 916 765 43 21", "leadId": 17},
        )
    finally:
        request_id_var.reset(token)

    line = stream.getvalue().strip()
    record = json.loads(line)
    assert record["request_id"] == "req-42"
    assert record["message"] == "lead from [email], call [phone]"
    assert record["contact"] == "[email] / [phone]"
    assert record["leadId"] == 17
    for secret in ("ivan.petrov", "mail.ru", "916", "olga@", "765"):
        assert secret not in line


def test_nested_extras_and_one_time_links_are_redacted(json_log):
    logger, stream = json_log
    logger.info(
        "Task %(name)s succeeded", {"name": "send_email"},
        extra={"data": {"args": ("olga@mail.ru", "Ссылка: http://localhost/email/confirm/AbCdEfGhIjKlMnOpQrStUv")}},
    )
    line = stream.getvalue()
    assert "olga@mail.ru" not in line
    assert "AbCdEfGhIjKlMnOpQrStUv" not in line
    assert "/email/confirm/[token]" in line


def test_url_encoded_emails_in_access_lines_are_redacted(json_log):
    logger, stream = json_log
    logger.info('"GET /login?email=ivan%40example.ru&next=%2Finvite HTTP/1.1" 200 (%s)', "olga%2540mail.ru")
    line = stream.getvalue()
    assert "example.ru" not in line
    assert "mail.ru" not in line
    assert "/login?email=[email]&next=%2Finvite" in line


def test_exceptions_in_logs_are_redacted_too(json_log):
    logger, stream = json_log
    try:
        raise ValueError("bad phone 89161234567 for anna@bk.ru")
    except ValueError:
        logger.exception("failed")
    output = stream.getvalue()
    assert "89161234567" not in output
    assert "anna@bk.ru" not in output
    assert "[phone]" in output


@pytest.mark.django_db
def test_request_id_is_accepted_returned_and_replaced_when_unsafe(client_for):
    client = client_for()
    assert client.get("/", headers={"X-Request-ID": "abc-123"})["X-Request-ID"] == "abc-123"
    minted = client.get("/", headers={"X-Request-ID": "bad id\nwith newline"})["X-Request-ID"]
    assert minted != "bad id\nwith newline"
    assert len(minted) == 32
    assert client.get("/")["X-Request-ID"] != client.get("/")["X-Request-ID"]


def test_passwords_in_service_urls_are_redacted(json_log):
    logger, stream = json_log
    try:
        raise ConnectionError("cannot reach postgres://fastlead:Sup3r-secret@db.internal:5432/fastlead")
    except ConnectionError:
        logger.exception("database_down", extra={"broker": "redis://:R3dis-secret@cache:6379/0"})
    record = stream.getvalue()
    assert "Sup3r-secret" not in record
    assert "R3dis-secret" not in record
    assert "postgres://fastlead:[secret]@db.internal:5432/fastlead" in record
    assert "redis://:[secret]@cache:6379/0" in record


def test_error_reports_hide_the_service_urls(settings):
    from django.views.debug import get_default_exception_reporter_filter

    settings.DATABASE_URL = "postgres://fastlead:Sup3r-secret@db.internal:5432/fastlead"
    safe = get_default_exception_reporter_filter().get_safe_settings()
    assert "Sup3r-secret" not in json.dumps(safe, default=str)
    assert safe["DATABASE_URL"] == "********************"
    assert safe["LANGUAGE_CODE"] == "ru"


TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd"


def test_the_request_of_an_error_record_is_redacted(json_log):
    from django.test import RequestFactory

    logger, stream = json_log
    request = RequestFactory().get(f"/password/reset/{TOKEN}", {"next": f"/invite/{TOKEN}"})
    logger.warning("Bad Request: %s", request.path, extra={"status_code": 400, "request": request})
    record = json.loads(stream.getvalue())
    assert TOKEN not in stream.getvalue()
    assert record["message"] == "Bad Request: /password/reset/[token]"
    assert record["request"] == "<WSGIRequest: GET '/password/reset/[token]?next=%2Finvite%2F[token]'>"
    assert record["status_code"] == 400


@pytest.mark.parametrize("link", [
    f"/email/confirm/{TOKEN}", f"/email/change/{TOKEN}", f"/password/reset/{TOKEN}", f"/invite/{TOKEN}",
    f"/auth/handoff?token={TOKEN}", f"/login?next=%2Finvite%2F{TOKEN}",
    f"/login?next=http%3A%2F%2Facme.localhost%2Fauth%2Fhandoff%3Ftoken%3D{TOKEN}",
    f"/login?next=%252Finvite%252F{TOKEN}",
])
def test_one_time_tokens_are_redacted_in_every_spelling_of_a_link(json_log, link):
    logger, stream = json_log
    logger.info('"GET %s HTTP/1.1" 302 0', link)
    assert TOKEN not in stream.getvalue()
    assert "[token]" in stream.getvalue()


def test_client_ips_are_cut_to_their_network(json_log):
    logger, stream = json_log
    logger.info("login from 203.0.113.77 and 2001:db8:85a3::8a2e:370:7334 at 18:58:14 by Chrome/120.0.6099.109, "
                "then ::ffff:192.0.2.44 and 192.0.2.45:50123; our redis at 10.0.0.5:6379 and 127.0.0.1",
                extra={"ip": "198.51.100.23", "sender": ("2a02:6b8::feed:1", 443)})
    record = json.loads(stream.getvalue())
    assert record["message"] == ("login from 203.0.113.0/24 and 2001:db8:85a3::/48 at 18:58:14 "
                                 "by Chrome/120.0.6099.109, then 192.0.2.0/24 and 192.0.2.0/24:50123; "
                                 "our redis at 10.0.0.5:6379 and 127.0.0.1")
    assert record["ip"] == "198.51.100.0/24"
    assert record["sender"] == ["2a02:6b8::/48", 443]


def test_djangos_own_loggers_print_through_the_redacting_handler_only():
    for name in ("django", "django.server", "django.request"):
        logger = logging.getLogger(name)
        assert logger.handlers == [], name
        assert logger.propagate, name
    [console] = [handler for handler in logging.getLogger().handlers if type(handler) is logging.StreamHandler]
    assert {type(f).__name__ for f in console.filters} >= {"RedactPiiFilter"}
