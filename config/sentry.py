"""Error tracking through the Sentry SDK (Sentry or a compatible service), on only when ``SENTRY_DSN`` is set.

Nothing personal leaves: no default PII (user, IP, cookies), no request bodies and no local variables (a lead's
name has no pattern to recognise it by), and every event, transaction and breadcrumb passes through the logs'
redaction (core.logging: e-mails, phones, one-time tokens, passwords in URLs, client IPs cut to their network)
with the headers that carry credentials dropped.
"""

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.stdlib import StdlibIntegration

if TYPE_CHECKING:
    from sentry_sdk._types import DataCollectionUserOptions

# Credentials and identities; the SDK leaves most out already without default PII, this is for certain.
DROPPED_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization", "x-forwarded-for",
                             "x-real-ip", "forwarded", "x-csrftoken"})


# What the SDK collects by itself: send_default_pii=False (this SDK's ``data_collection`` supersedes the flag),
# and stricter: no cookies, bodies, frame variables, SQL parameters or task arguments at all.
DATA_COLLECTION: "DataCollectionUserOptions" = {
    "user_info": False, "cookies": {"mode": "off"}, "http_bodies": [], "stack_frame_variables": False,
    "http_headers": {"request": {"mode": "denylist", "terms": ["forwarded", "-ip", "remote-", "via", "-user"]}},
    "url_query_params": {"mode": "denylist"}, "database_query_data": False, "queues": False,
    "graphql": {"document": False, "variables": False}, "gen_ai": {"inputs": False, "outputs": False},
}


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    if not dsn:
        return
    sentry_sdk.init(
        dsn=dsn, environment=environment, release=release or None, traces_sample_rate=traces_sample_rate,
        data_collection=DATA_COLLECTION,
        # Only these two besides the defaults: the Redis integration records keys (a session's id is one), the
        # HTTP clients' record URLs (a Telegram bot's token, an SMS gateway's password are in theirs).
        integrations=[DjangoIntegration(), CeleryIntegration()], auto_enabling_integrations=False,
        disabled_integrations=[StdlibIntegration()],
        before_send=scrub_event, before_send_transaction=scrub_event, before_breadcrumb=scrub_breadcrumb,
    )


def scrub_event(event: Any, hint: Any) -> Any:
    from core.logging import redact_value  # settings import this module: Django is not set up yet

    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("env", None)
        request.pop("data", None)
        if isinstance(request.get("query_string"), str):  # decoded, or "%40" hides an e-mail from the redaction
            request["query_string"] = unquote_plus(request["query_string"])
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {name: value for name, value in headers.items()
                                  if name.lower() not in DROPPED_HEADERS}
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {key: value for key, value in user.items() if key == "id"}
    modules = event.pop("modules", None)  # package versions, which the redaction would take for IP addresses
    event = redact_value(event)
    if modules is not None:
        event["modules"] = modules
    return event


def scrub_breadcrumb(crumb: Any, hint: Any) -> Any:
    from core.logging import redact_value  # settings import this module: Django is not set up yet

    return redact_value(crumb)
