"""Brute-force protection: 5 failed logins per 15 minutes per account and per IP."""

from django.conf import settings

from core.ratelimit import RateLimit, Verdict

LOCKED_MESSAGE = "Слишком много неудачных попыток входа. Попробуйте снова через {minutes} мин."


def _limit(kind: str) -> RateLimit:
    return RateLimit(f"login-fail-{kind}", settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_WINDOW_SECONDS)


def check(email: str, ip: str | None) -> Verdict:
    """Refuse before even checking the password while the account or the IP is locked."""
    verdicts = [_limit("account").peek(email.lower())]
    if ip:
        verdicts.append(_limit("ip").peek(ip))
    blocked = [verdict for verdict in verdicts if not verdict.allowed]
    if blocked:
        return Verdict(allowed=False, retry_after=max(verdict.retry_after for verdict in blocked))
    return Verdict(allowed=True, retry_after=0)


def record_failure(email: str, ip: str | None) -> None:
    _limit("account").hit(email.lower())
    if ip:
        _limit("ip").hit(ip)


def record_success(email: str) -> None:
    _limit("account").reset(email.lower())


def locked_message(retry_after: int) -> str:
    return LOCKED_MESSAGE.format(minutes=max(1, -(-retry_after // 60)))
