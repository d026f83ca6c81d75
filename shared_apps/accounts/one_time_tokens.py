"""Single-use secrets for links (confirm e-mail, reset password, change e-mail, hand-off)."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError

from .models import OneTimeToken, User


class TokenRejected(DomainError):
    """A link that cannot be used; ``reason`` is one of: invalid, expired, used."""

    MESSAGES = {
        "invalid": "Ссылка недействительна. Проверьте, что она скопирована целиком.",
        "expired": "Срок действия ссылки истёк. Запросите новую.",
        "used": "Эта ссылка уже использована.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES[reason], code=f"link_{reason}")
        self.reason = reason


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
        token = _usable(
            OneTimeToken.objects.select_for_update()
            .select_related("user")
            .filter(token_hash=_hash(raw or ""), purpose=purpose)
            .first()
        )
        token.used_at = timezone.now()
        token.save(update_fields=["used_at"])
    return token


def invalidate(user: User, purpose: str) -> None:
    """Spend every outstanding token of this purpose (e.g. older reset links after a reset)."""
    OneTimeToken.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(used_at=timezone.now())


def peek(raw: str, purpose: str) -> OneTimeToken:
    """Like consume, without spending the token (to decide whether to show a form at all)."""
    return _usable(
        OneTimeToken.objects.select_related("user").filter(token_hash=_hash(raw or ""), purpose=purpose).first()
    )


def _usable(token: OneTimeToken | None) -> OneTimeToken:
    """The token found, if it can still be used; TokenRejected with the reason otherwise."""
    if token is None:
        raise TokenRejected("invalid")
    if token.used_at is not None:
        raise TokenRejected("used")
    if token.expires_at <= timezone.now():
        raise TokenRejected("expired")
    return token
