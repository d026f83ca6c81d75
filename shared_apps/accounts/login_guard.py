"""Password guessing (OWASP ASVS V2.2), without a lock a stranger could put on someone's account.

Per account: 5 attempts, then a doubling wait between attempts (30 s, 1 min, … 15 min at most); a correct password
forgets the failures. Per IP: 100 failed attempts in 15 minutes (an office behind one NAT shares an address).
Each attempt is claimed before its password is checked, so concurrent guesses cannot slip past the count.
"""

from django.conf import settings

from core.ratelimit import ProgressiveDelay, RateLimit, Verdict
from core.text import wait_time


def _account() -> ProgressiveDelay:
    return ProgressiveDelay("login-account", free=settings.LOGIN_FREE_ATTEMPTS,
                            base_seconds=settings.LOGIN_DELAY_BASE_SECONDS,
                            cap_seconds=settings.LOGIN_DELAY_CAP_SECONDS,
                            memory_seconds=settings.LOGIN_ATTEMPTS_MEMORY_SECONDS)


def _ip() -> RateLimit:
    return RateLimit("login-ip", settings.LOGIN_IP_FAILURE_LIMIT, settings.LOGIN_IP_WINDOW_SECONDS)


def begin(email: str, ip: str | None) -> Verdict:
    """Claim one password check: allowed → check it now and call :func:`succeeded` if it was right (a wrong one
    stays counted); refused → answer 429 without checking."""
    if ip:
        verdict = _ip().hit(ip)
        if not verdict.allowed:
            return verdict
    verdict = _account().claim(email.lower())
    if not verdict.allowed and ip:
        _ip().undo(ip)  # no password was checked
    return verdict


def succeeded(email: str, ip: str | None) -> None:
    _account().reset(email.lower())
    if ip:
        _ip().undo(ip)  # the address is limited in failures, not in logins


def refusal_message(retry_after: int) -> str:
    return f"Слишком много неудачных попыток входа. Попробуйте снова через {wait_time(retry_after)}."
