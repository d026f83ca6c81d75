"""The business events' schema: one JSON line each with the common fields, refused fields, the documented schema."""

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from django.conf import settings

from core import events
from core.context import request_id_var
from core.tests.test_logging import _build


@pytest.fixture
def event_lines() -> Iterator[io.StringIO]:
    """What the console handler of settings.LOGGING would print for the events logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_build(settings.LOGGING["formatters"]["json"]))
    for name in settings.LOGGING["handlers"]["console"]["filters"]:
        handler.addFilter(_build(settings.LOGGING["filters"][name]))
    events.logger.addHandler(handler)
    try:
        yield stream
    finally:
        events.logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_an_event_is_one_json_line_with_the_common_fields(event_lines):
    token = request_id_var.set("req-7")
    try:
        events.emit("user_logged_in", userId=5, ipNetwork=events.ip_network("203.0.113.77"), method="password")
    finally:
        request_id_var.reset(token)
    [line] = lines(event_lines)
    assert line["event"] == line["message"] == "user_logged_in"
    assert line["schemaVersion"] == events.SCHEMA_VERSION
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["timestamp"])
    assert (line["request_id"], line["tenant"], line["level"], line["logger"]) == (
        "req-7", "public", "INFO", "fastlead.events")
    assert (line["userId"], line["ipNetwork"], line["method"]) == (5, "203.0.113.0/24", "password")


@pytest.mark.parametrize(("name", "fields", "problem"), [
    ("user_signed_up", {}, "unknown event 'user_signed_up'"),
    ("tenant_created", {"tenantId": "acme", "userId": 1}, "missing accountId"),
    ("user_registered", {"userId": 1, "emailDomain": "acme.ru", "source": "email", "email": "a@acme.ru"},
     "unexpected email"),
    ("widget_configured", {"tenantId": "acme", "config_version": "2"}, "config_version is not int"),
    ("widget_configured", {"tenantId": "acme", "config_version": True}, "config_version is not int"),
])
def test_fields_off_the_schema_are_a_bug_outside_production(event_lines, name, fields, problem):
    with pytest.raises(events.EventSchemaError, match=re.escape(problem)):
        events.emit(name, **fields)
    assert event_lines.getvalue() == ""


def test_in_production_a_wrong_field_is_an_error_line_and_the_event_still_goes_out(event_lines, settings):
    settings.APP_ENV = "production"
    events.emit("team_member_invited", tenantId="acme", inviterUserId=3, inviteeEmailDomain="acme.ru",
                inviteeEmail="ivan@acme.ru")
    error, event = lines(event_lines)
    assert (error["message"], error["level"], error["event"]) == (
        "event_schema_violation", "ERROR", "team_member_invited")
    assert error["problem"] == "missing role; unexpected inviteeEmail"
    assert event["event"] == "team_member_invited"
    assert {"tenantId", "inviterUserId", "inviteeEmailDomain"} <= set(event)
    assert "inviteeEmail" not in event
    assert "ivan@" not in event_lines.getvalue()


def test_personal_values_go_in_as_what_identifies_nobody():
    assert events.email_domain("Ivan.Petrov@Romashka.RU") == "romashka.ru"
    assert events.ip_network("203.0.113.77") == "203.0.113.0/24"
    assert events.ip_network("2001:db8:beef:1::77") == "2001:db8:beef::/48"
    assert events.ip_network("::ffff:198.51.100.23") == "198.51.100.0/24"
    assert events.ip_network("") == ""


def test_the_documented_schema_is_the_schema():
    """docs/EVENTS.md has a section per event listing exactly its fields, with the field's type."""
    text = (settings.BASE_DIR / "docs" / "EVENTS.md").read_text()
    sections = dict(re.findall(r"^### `(\w+)`\n(.*?)(?=^### |^## |\Z)", text, flags=re.MULTILINE | re.DOTALL))
    assert set(sections) == set(events.SCHEMA)
    for name, event in events.SCHEMA.items():
        documented = dict(re.findall(r"^\| `(\w+)` \| (\w+) \|", sections[name], flags=re.MULTILINE))
        types = {key: "integer" if spec.type is int else "string" for key, spec in event.fields.items()}
        assert documented == types, name
        example = json.loads(re.search(r"```json\n(.*?)\n```", sections[name], flags=re.DOTALL).group(1))
        assert example["event"] == name
        assert set(example) - {"ts", "level", "logger", "message", "event", "schemaVersion", "timestamp",
                               "request_id", "tenant"} == set(event.fields), name
