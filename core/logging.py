"""Log filters: correlation id on every record, and no e-mails, phone numbers, secrets or full client IPs in logs."""

import ipaddress
import logging
import re

from django.db import connection
from django.views.debug import SafeExceptionReporterFilter

from .context import request_id_var

# Also URL-encoded once or twice (?email=ivan%40example.ru in an access log line).
EMAIL_RE = re.compile(r"[\w.%+-]+(?:@|%40|%2540)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# Russian and international numbers: +7 999 123-45-67, 8 (999) 123 45 67, 89991234567, +4915112345678
PHONE_RE = re.compile(
    r"(?<![\w/])(?:\+?[78][\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}|\+\d{10,15})(?![\w/])"
)

# Attributes every LogRecord has; anything else came in through ``extra=``.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


# One-time secrets inside links: /email/confirm/<token>, /invite/<token>, ?token=<token> … also URL-encoded once or
# twice, as in /login?next=%2Finvite%2F<token>.
_SLASH, _EQUALS = r"(?:/|%2F|%252F)", r"(?:=|%3D|%253D)"
TOKEN_RE = re.compile(
    rf"({_SLASH}(?:email{_SLASH}confirm|email{_SLASH}change|password{_SLASH}reset|invite){_SLASH}|token{_EQUALS})"
    r"[\w-]{16,}",
    re.IGNORECASE,
)


# The password part of a service URL: postgres://user:secret@host, redis://:secret@host …
URL_PASSWORD_RE = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@", re.IGNORECASE)


# Candidates only: what parses as an address is cut to its network (a time like 18:58:14 does not parse).
IP_RE = re.compile(
    r"(?<![\w.:])(?:\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?![\w.])"  # IPv4, maybe with a :port or a /prefix
    r"|(?:[0-9a-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{0,4})(?:/\d{1,3})?(?![\w.:]))",  # IPv6
    re.IGNORECASE,
)


# Our own machines' addresses (database, Redis, proxies, the bind address) stay whole: nobody's personal data.
_INFRASTRUCTURE = [ipaddress.ip_network(network) for network in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
    "::1/128", "fc00::/7", "fe80::/10",
)]


def network_of(address: str) -> str:
    """A client address (or a network) cut to /24 (IPv4) or /48 (IPv6): enough to see a network, not a person.
    Raises ValueError for what is not an address."""
    interface = ipaddress.ip_interface(address)
    ip, prefix = interface.ip, interface.network.prefixlen
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip, prefix = ip.ipv4_mapped, prefix - 96 if prefix > 96 else 32
    return str(ipaddress.ip_network(f"{ip}/{min(prefix, 24 if ip.version == 4 else 48)}", strict=False))


def _network(match: re.Match) -> str:
    try:
        address = ipaddress.ip_interface(match.group(0)).ip
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if any(address in network for network in _INFRASTRUCTURE):
            return match.group(0)
        return network_of(match.group(0))
    except ValueError:
        return match.group(0)


def redact(text: str) -> str:
    text = URL_PASSWORD_RE.sub(r"\1[secret]@", TOKEN_RE.sub(r"\1[token]", text))
    return IP_RE.sub(_network, PHONE_RE.sub("[phone]", EMAIL_RE.sub("[email]", text)))


def redact_value(value):
    """Strings, and strings nested in dicts, lists and tuples (e.g. Celery's task arguments); any other object but a
    number by its redacted text (the ``request`` Django attaches to error records, runserver's socket …)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(item) for item in value)
    if value is None or isinstance(value, int | float):
        return value
    return redact(str(value))


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        record.tenant = getattr(connection, "schema_name", None) or "-"
        return True


class RedactPiiFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS:
                setattr(record, key, redact_value(value))
        if record.exc_info:
            # Formatters print exc_text when exc_info is gone: hand them only the redacted traceback.
            record.exc_text = redact(record.exc_text or logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class SecretSettingsFilter(SafeExceptionReporterFilter):
    """Error reports hide service URLs (they carry passwords) besides Django's usual secrets."""

    hidden_settings = re.compile("API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|_URL|DSN|DATABASES|CACHES",
                                 flags=re.IGNORECASE)
