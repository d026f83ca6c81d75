"""Single-use secrets for links (confirm e-mail, reset password, change e-mail, hand-off)."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import OneTimeToken, User


class TokenRejected(Exception):
    """``reason`` is one of: invalid, expired, used."""

    MESSAGES = {
        "invalid": "Ссылка недействительна. Проверьте, что она скопирована целиком.",
        "expired": "Срок действия ссылки истёк. Запросите новую.",
        "used": "Эта ссылка уже использована.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = self.MESSAGES[reason]


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(user: User, purpose: str, ttl: timedelta, payload: dict | None = None) -> str:
    raw = secrets.token_urlsafe(32)
    OneTimeToken.objects.create(
        token_hash=_hash(raw), purpose=purpose, user=user, payload=payload or {}, expires_at=timezone.now() + ttl
    )
    return raw


def consume(raw: str, purpose: str) -> OneTimeToken:
    """Mark the token used and return it; concurrent uses of one token succeed once."""
    with transaction.atomic():
        token = (
            OneTimeToken.objects.select_for_update()
            .select_related("user")
            .filter(token_hash=_hash(raw or ""), purpose=purpose)
            .first()
        )
        _reject_unusable(token)
        token.used_at = timezone.now()
        token.save(update_fields=["used_at"])
    return token


def invalidate(user: User, purpose: str) -> None:
    """Spend every outstanding token of this purpose (e.g. older reset links after a reset)."""
    OneTimeToken.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(used_at=timezone.now())


def peek(raw: str, purpose: str) -> OneTimeToken:
    """Like consume, without spending the token (to decide whether to show a form at all)."""
    token = OneTimeToken.objects.select_related("user").filter(token_hash=_hash(raw or ""), purpose=purpose).first()
    _reject_unusable(token)
    return token


def _reject_unusable(token: OneTimeToken | None) -> None:
    if token is None:
        raise TokenRejected("invalid")
    if token.used_at is not None:
        raise TokenRejected("used")
    if token.expires_at <= timezone.now():
        raise TokenRejected("expired")
