"""The plan's business events: one schema, one JSON log line each (docs/EVENTS.md describes them).

``emit("payment_successful", tenantId=..., ...)`` checks the fields against :data:`SCHEMA` and writes one INFO
line on the ``fastlead.events`` logger; the console handler's filters add ``request_id`` (the correlation id,
carried into Celery) and ``tenant`` (the schema). A field that does not fit is a bug of ours: outside production
it raises, in production it is logged as an error and the event still goes out with the fields that fit, so a
payment never fails over its log line.

No field carries personal data: e-mail addresses go in as their domain, client addresses as their network.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from .logging import network_of

logger = logging.getLogger("fastlead.events")

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Field:
    type: type
    meaning: str


@dataclass(frozen=True)
class Event:
    when: str
    fields: dict[str, Field]


_TENANT_ID = Field(str, "the workspace's subdomain (slug)")
_ACCOUNT_TENANT_ID = Field(str, "the slug of the account's first workspace (billing is per account; the account "
                                "is `accountId`)")
_ACCOUNT_ID = Field(int, "the paying account's id")
_PAYMENT_ID = Field(str, "our order number of the payment (Payment.order_id, also sent to the provider)")
_PROVIDER = Field(str, "the payment provider: yookassa | tinkoff")
_PURPOSE = Field(str, "what the payment is for: subscribe | renewal | upgrade")
_AMOUNT = Field(int, "the amount in kopecks (integer, rubles × 100)")

SCHEMA: dict[str, Event] = {
    "user_registered": Event("a person's login is created: sign-up (form, API, OAuth) or an invitation accepted "
                             "by someone new", {
        "userId": Field(int, "the new user's id"),
        "emailDomain": Field(str, "the domain of the e-mail address, never the address"),
        "source": Field(str, "email (form or API) | google | yandex | invitation"),
    }),
    "user_logged_in": Event("a login starts: a password, OAuth, a sign-up, an invitation, a confirmation link, the "
                            "API's tokens (the hand-off of a login to a workspace host continues it: no event)", {
        "userId": Field(int, "the user's id"),
        "ipNetwork": Field(str, "the client's network: its address cut to /24 (IPv4) or /48 (IPv6)"),
        "method": Field(str, "password | api | google | yandex | signup | invitation | email_link"),
    }),
    "tenant_created": Event("a workspace is provisioned (at sign-up or another one later)", {
        "tenantId": _TENANT_ID,
        "accountId": _ACCOUNT_ID,
        "userId": Field(int, "the owner who created it"),
    }),
    "widget_configured": Event("a widget configuration is saved and published (the editor, the onboarding step, "
                               "an upload of its images)", {
        "tenantId": _TENANT_ID,
        "config_version": Field(int, "the saved configuration's version number"),
    }),
    "channel_connected": Event("a messaging channel is connected after the provider accepted its credentials", {
        "tenantId": _TENANT_ID,
        "channelType": Field(str, "the kind: sms | email | telegram | whatsapp | max"),
        "provider": Field(str, "the provider module, e.g. twilio, smsc, telegram"),
    }),
    "subscription_created": Event("an account's subscription starts (its trial, at sign-up)", {
        "tenantId": _ACCOUNT_TENANT_ID,
        "accountId": _ACCOUNT_ID,
        "planId": Field(str, "the plan's code: trial | start | pro | business"),
        "amount": _AMOUNT,
    }),
    "payment_successful": Event("a payment is confirmed by its provider and applied to the subscription", {
        "tenantId": _ACCOUNT_TENANT_ID,
        "accountId": _ACCOUNT_ID,
        "paymentId": _PAYMENT_ID,
        "amount": _AMOUNT,
        "provider": _PROVIDER,
        "purpose": _PURPOSE,
    }),
    "payment_failed": Event("a payment ends unpaid: declined, refused by the provider, or paid a wrong amount", {
        "tenantId": _ACCOUNT_TENANT_ID,
        "accountId": _ACCOUNT_ID,
        "paymentId": _PAYMENT_ID,
        "amount": _AMOUNT,
        "provider": _PROVIDER,
        "purpose": _PURPOSE,
        "error": Field(str, "the reason code, e.g. insufficient_funds, declined, rejected, amount_mismatch"),
    }),
    "team_member_invited": Event("an admin invites someone to the workspace (a new or a renewed invitation)", {
        "tenantId": _TENANT_ID,
        "inviterUserId": Field(int, "the admin who invited"),
        "inviteeEmailDomain": Field(str, "the domain of the invitee's e-mail address, never the address"),
        "role": Field(str, "the role offered: admin | operator | analyst"),
    }),
}


class EventSchemaError(ValueError):
    """An event that is not in the schema, or fields that do not match it."""


def emit(name: str, **fields: object) -> None:
    event = SCHEMA.get(name)
    if event is None:
        _schema_violation(name, f"unknown event {name!r}")
        return
    problems = _problems(event, fields)
    if problems:
        _schema_violation(name, "; ".join(problems))
        fields = {key: value for key, value in fields.items()
                  if key in event.fields and _fits(event.fields[key], value)}
    logger.info(name, extra={"event": name, "schemaVersion": SCHEMA_VERSION,
                             "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                             **fields})


def _problems(event: Event, fields: dict[str, object]) -> list[str]:
    problems = [f"missing {key}" for key in event.fields if key not in fields]
    problems += [f"unexpected {key}" for key in fields if key not in event.fields]
    problems += [f"{key} is not {spec.type.__name__}" for key, spec in event.fields.items()
                 if key in fields and not _fits(spec, fields[key])]
    return problems


def _fits(spec: Field, value: object) -> bool:
    return isinstance(value, spec.type) and not (spec.type is int and isinstance(value, bool))


def _schema_violation(name: str, problem: str) -> None:
    # Names of fields only, never their values: a value that does not belong here may be personal data.
    if settings.APP_ENV != "production":
        raise EventSchemaError(f"{name}: {problem}")
    logger.error("event_schema_violation", extra={"event": name, "problem": problem})


def email_domain(email: str) -> str:
    """What an event may say about an e-mail address: its domain (a mail service or an organisation)."""
    return email.rpartition("@")[2].strip().lower()


def ip_network(address: str) -> str:
    """What an event may say about a client's address: its /24 or /48 network ("" when there is none)."""
    try:
        return network_of(address)
    except ValueError:
        return ""
