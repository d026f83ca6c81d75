"""Log filters: correlation id on every record, and no e-mails, phone numbers or secrets in logs."""

import logging
import re

from django.db import connection
from django.views.debug import SafeExceptionReporterFilter

from .context import request_id_var

EMAIL_RE = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# Russian and international numbers: +7 999 123-45-67, 8 (999) 123 45 67, 89991234567, +4915112345678
PHONE_RE = re.compile(
    r"(?<![\w/])(?:\+?[78][\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}|\+\d{10,15})(?![\w/])"
)

# Attributes every LogRecord has; anything else came in through ``extra=``.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


# One-time secrets inside links: /email/confirm/<token>, /invite/<token>, ?token=<token> …
TOKEN_RE = re.compile(r"((?:/email/confirm/|/email/change/|/password/reset/|/invite/|token=))[\w-]{16,}")


# The password part of a service URL: postgres://user:secret@host, redis://:secret@host …
URL_PASSWORD_RE = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@", re.IGNORECASE)


def redact(text: str) -> str:
    text = URL_PASSWORD_RE.sub(r"\1[secret]@", TOKEN_RE.sub(r"\1[token]", text))
    return PHONE_RE.sub("[phone]", EMAIL_RE.sub("[email]", text))


def redact_value(value):
    """Strings, and strings nested in dicts, lists and tuples (e.g. Celery's task arguments)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(item) for item in value)
    return value


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
