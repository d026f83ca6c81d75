"""The plan's business events after a whole journey through the pages and the APIs: each of the nine appears with
exactly its schema's fields (docs/EVENTS.md), and no log line of any logger holds the personal data the journey used.

Every line is captured the way production writes it: settings.LOGGING's JSON formatter and the console handler's
filters, the loggers at their configured levels."""

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client

from core import events
from core.logging import EMAIL_RE
from core.tests.test_logging import _build
from shared_apps.tenancy.models import Tenant
from tenant_apps.channels.tests.test_channels_api import PROVIDERS
from widget_cdn.tests.test_intake import lead_body

PASSWORD = "Крепкий-пароль-2026"
OWNER_EMAIL, INVITEE_EMAIL = "olga.petrova@romashka.ru", "boris.ivanov@romashka.ru"
NAMES = ("Ольга Петрова", "Борис Иванов", "Анна Смирнова")
PHONE = "8 (916) 123-45-67"
OWNER_IP, OWNER_IPV6, INVITEE_IP, VISITOR_IP = "203.0.113.77", "2001:db8:beef:1::77", "198.51.100.23", "192.0.2.150"
YOOKASSA_CARD, YOOKASSA_NO_FUNDS = "5555555555554444", "5555555555554535"
COMMON = {"ts", "level", "logger", "message", "request_id", "tenant", "event", "schemaVersion", "timestamp"}


@contextmanager
def every_log_line() -> Iterator[io.StringIO]:
    """Every record any logger passes on, formatted as the console handler of settings.LOGGING prints it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_build(settings.LOGGING["formatters"]["json"]))
    for name in settings.LOGGING["handlers"]["console"]["filters"]:
        handler.addFilter(_build(settings.LOGGING["filters"][name]))
    logging.getLogger().addHandler(handler)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)


def follow(response, client: Client):
    target = urlsplit(response["Location"])
    return client.get(f"{target.path}?{target.query}" if target.query else target.path)


def link_in_last_mail(path: str) -> str:
    return re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", mail.outbox[-1].body).group(1)


def json_post(client: Client, path: str, body: dict, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def pay_and_settle(workspace: Client, sandbox_url: str, card: str, status: str) -> None:
    started = json_post(workspace, "/api/v1/billing/payments", {"planId": "pro", "paymentMethod": "yookassa"})
    assert started.status_code == 201, started.content
    payment = httpx.get(f"{sandbox_url}/_sandbox/payments", timeout=10).json()["yookassa"][-1]
    httpx.post(f"{sandbox_url}/_sandbox/complete", timeout=10,
               json={"provider": "yookassa", "id": payment["id"], "card": card}).raise_for_status()
    notification = {"type": "notification", "event": f"payment.{status}",
                    "object": {"id": payment["id"], "status": status}}
    provider = Client(HTTP_HOST="localhost", REMOTE_ADDR="127.0.0.1")  # the sandbox stands in for YooKassa
    assert json_post(provider, "/api/v1/billing/webhooks/yookassa", notification).status_code == 200


def test_a_whole_journey_writes_every_event_with_its_schema_and_no_personal_data(
        db, send_mail_now, channel_sandbox, payment_sandbox):
    payment_sandbox.yookassa_webhook_url = "http://127.0.0.1:9/unreachable"  # we deliver its notifications
    owner = Client(HTTP_HOST="localhost", REMOTE_ADDR=OWNER_IP)
    with every_log_line() as printed:
        # Sign-up on the page: user, account, workspace, trial, and the session it opens.
        with send_mail_now():  # what the request queued after its commit runs (and mails) as it leaves
            signed_up = owner.post("/signup", {"name": NAMES[0], "email": OWNER_EMAIL, "password": PASSWORD,
                                               "company": "Ромашка"}, headers={"X-Request-ID": "journey-sign-up"})
        assert signed_up.status_code == 302
        tenant = Tenant.objects.get(account__owner__email=OWNER_EMAIL)
        # The confirmation link opened in another browser logs in there, then hands the login to the workspace.
        other_browser = Client(HTTP_HOST="localhost", REMOTE_ADDR=OWNER_IP)
        confirmed = other_browser.get(link_in_last_mail("/email/confirm/"))
        workspace = Client(HTTP_HOST=tenant.primary_host, REMOTE_ADDR=OWNER_IPV6)
        assert follow(confirmed, workspace).status_code == 302
        connection.set_schema_to_public()
        # A mistyped password, then the password form and the API's login.
        assert Client(HTTP_HOST="localhost", REMOTE_ADDR=OWNER_IP).post(
            "/login", {"email": OWNER_EMAIL, "password": "не тот"}).status_code == 401
        assert Client(HTTP_HOST="localhost", REMOTE_ADDR=OWNER_IP).post(
            "/login", {"email": OWNER_EMAIL, "password": PASSWORD}).status_code == 302
        api_login = json_post(Client(HTTP_HOST="localhost", REMOTE_ADDR=OWNER_IPV6), "/api/v1/auth/login",
                              {"email": OWNER_EMAIL, "password": PASSWORD, "tenantId": tenant.slug})
        assert api_login.status_code == 200, api_login.content

        # The widget saved in the editor's API, a channel connected against the channel sandbox.
        widget = workspace.get("/api/v1/widget").json()
        body = {key: value for key, value in widget.items() if key not in {"updatedAt", "updatedBy"}}
        body["consent"]["privacyPolicyUrl"] = "https://romashka.ru/privacy"
        body["siteDomains"] = ["romashka.ru"]
        saved = workspace.put("/api/v1/widget", json.dumps(body), content_type="application/json")
        assert saved.status_code == 200, saved.content
        connected = json_post(workspace, "/api/v1/channels",
                              {"provider": "telegram", "credentials": PROVIDERS["telegram"][0]})
        assert connected.status_code == 201, connected.content

        # A visitor's lead through the widget: a name, a phone and an address that must stay out of the logs.
        tenant.refresh_from_db()
        publication = tenant.widget_publication
        with send_mail_now():
            lead = json_post(Client(HTTP_HOST="localhost", REMOTE_ADDR=VISITOR_IP),
                             f"/w/{publication.public_key}/leads",
                             lead_body(publication.config["consent"]["version"], name=NAMES[2], phone=PHONE,
                                       pageUrl="https://romashka.ru/uslugi"),
                             headers={"Origin": "https://romashka.ru"})
        assert lead.status_code == 201, lead.content

        # An invitation, accepted by someone new: their login is created and opened.
        with send_mail_now():
            invited = json_post(workspace, "/api/v1/team/invitations", {"email": INVITEE_EMAIL, "role": "operator"})
        assert invited.status_code == 201, invited.content
        invitee = Client(HTTP_HOST="localhost", REMOTE_ADDR=INVITEE_IP)
        joined = invitee.post(link_in_last_mail("/invite/"), {"name": NAMES[1], "password": PASSWORD})
        assert joined.status_code == 302
        connection.set_schema_to_public()

        # A card without funds, then one that pays.
        with send_mail_now():
            pay_and_settle(workspace, payment_sandbox.base_url, YOOKASSA_NO_FUNDS, "canceled")
            pay_and_settle(workspace, payment_sandbox.base_url, YOOKASSA_CARD, "succeeded")
        connection.set_schema_to_public()

    lines = [json.loads(line) for line in printed.getvalue().splitlines()]
    emitted = [line for line in lines if line["logger"] == "fastlead.events"]
    assert {line["event"] for line in emitted} == set(events.SCHEMA)
    for line in emitted:
        assert set(line) == COMMON | set(events.SCHEMA[line["event"]].fields), line
        assert line["message"] == line["event"]
        assert line["schemaVersion"] == events.SCHEMA_VERSION
    by_event = {name: [line for line in emitted if line["event"] == name] for name in events.SCHEMA}

    # One request's events share its correlation id; the account-level ones name the first workspace and the account.
    sign_up = [line for line in emitted if line["request_id"] == "journey-sign-up"]
    assert sorted(line["event"] for line in sign_up) == sorted(
        ["tenant_created", "subscription_created", "user_registered", "user_logged_in"])
    account_id = tenant.account_id
    for name in ("subscription_created", "payment_failed", "payment_successful"):
        assert {(line["tenantId"], line["accountId"]) for line in by_event[name]} == {(tenant.slug, account_id)}
    assert [line["error"] for line in by_event["payment_failed"]] == ["insufficient_funds"]
    assert [(line["amount"], line["purpose"]) for line in by_event["payment_successful"]] == [(999_000, "subscribe")]
    assert [line["config_version"] for line in by_event["widget_configured"]] == [widget["version"] + 1]
    assert [(line["channelType"], line["provider"]) for line in by_event["channel_connected"]] == [
        ("telegram", "telegram")]
    assert [(line["inviteeEmailDomain"], line["role"]) for line in by_event["team_member_invited"]] == [
        ("romashka.ru", "operator")]
    assert sorted(line["source"] for line in by_event["user_registered"]) == ["email", "invitation"]
    logins = {(line["method"], line["ipNetwork"]) for line in by_event["user_logged_in"]}
    assert logins == {("signup", "203.0.113.0/24"), ("email_link", "203.0.113.0/24"),
                      ("password", "203.0.113.0/24"), ("api", "2001:db8:beef::/48"),
                      ("invitation", "198.51.100.0/24")}  # the hand-off to the workspace wrote none

    # No line of any logger holds the e-mails, the names, the phone or a full client address.
    personal = {OWNER_EMAIL, INVITEE_EMAIL, OWNER_IP, OWNER_IPV6, INVITEE_IP, VISITOR_IP, "9161234567", "916) 123",
                *(part for name in NAMES for part in name.split())}
    text = printed.getvalue()
    assert [value for value in personal if value in text] == []
    assert EMAIL_RE.search(text) is None
    assert len(lines) > len(emitted)  # the other loggers were captured too
