"""T-Bank's request/notification Token (Acquiring API v2, section "Токен")."""

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any


def _as_text(value: Any) -> str:
    # JSON booleans are "true"/"false" — Python's str(True) would be "True" and never match.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def tinkoff_token(payload: Mapping[str, Any], password: str) -> str:
    """SHA-256 over the root scalar values plus Password, concatenated in key order."""
    fields = {
        key: value for key, value in payload.items()
        if key != "Token" and value is not None and not isinstance(value, (dict, list))
    }
    fields["Password"] = password
    joined = "".join(_as_text(fields[key]) for key in sorted(fields))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def token_is_valid(payload: Mapping[str, Any], password: str) -> bool:
    """Never with an empty password: anyone can sign with that (production settings refuse it as well)."""
    received = payload.get("Token")
    if not password or not isinstance(received, str) or not received:
        return False
    return hmac.compare_digest(received.lower(), tinkoff_token(payload, password))
