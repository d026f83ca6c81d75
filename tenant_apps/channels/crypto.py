"""Channel credentials at rest: a Fernet token of their JSON under ``settings.CHANNEL_SECRET_KEYS``.

MultiFernet: the first key encrypts, every key decrypts, so keys rotate without downtime — add the new key first,
run ``manage.py rotate_channel_keys``, then remove the old one.
"""

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet() -> MultiFernet:
    keys = settings.CHANNEL_SECRET_KEYS
    if not keys:
        raise ImproperlyConfigured("CHANNEL_SECRET_KEYS is empty: channel credentials cannot be encrypted")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("CHANNEL_SECRET_KEYS: each key is a urlsafe base64 32-byte Fernet key") from exc


def encrypt(credentials: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(credentials).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    """The credentials; :class:`cryptography.fernet.InvalidToken` when no configured key opens them."""
    return json.loads(_fernet().decrypt(token.encode()))


def rotate(token: str) -> str:
    """The same credentials encrypted with the first key."""
    return _fernet().rotate(token.encode()).decode()


__all__ = ["InvalidToken", "decrypt", "encrypt", "rotate"]
