"""The platform admin's second factor: one TOTP device per staff member (an authenticator app), enrolled at the first
sign-in, checked at every sign-in.

A code is accepted one 30-second step either way (clocks of phones drift) and never twice (django-otp keeps the last
step used). Wrong codes are limited per staff member: 5 at once, then a doubling wait (30 s … 15 min), forgotten after
a correct code — the same shape as passwords (accounts.login_guard).
"""

from __future__ import annotations

import base64
import logging

import segno
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import DomainError
from core.ratelimit import ProgressiveDelay
from core.text import wait_time
from shared_apps.accounts.models import User
from shared_apps.audit import services as audit

logger = logging.getLogger(__name__)

DEVICE_NAME = "Приложение-аутентификатор"
TOLERANCE_STEPS = 1
CODE_DIGITS = 6
SIGN_IN = {"where": "admin", "secondFactor": "totp"}  # the audit entries' details


class CodeRefused(DomainError):
    status = 400
    code = "otp_invalid"
    default_message = "Неверный код. Проверьте, что время на телефоне точное, и введите код ещё раз."


def _attempts() -> ProgressiveDelay:
    return ProgressiveDelay("staff-otp", free=settings.LOGIN_FREE_ATTEMPTS,
                            base_seconds=settings.LOGIN_DELAY_BASE_SECONDS,
                            cap_seconds=settings.LOGIN_DELAY_CAP_SECONDS,
                            memory_seconds=settings.LOGIN_ATTEMPTS_MEMORY_SECONDS)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def enrollment_device(user: User) -> TOTPDevice:
    """The device being enrolled: the same secret on every reload of the page until a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False, tolerance=TOLERANCE_STEPS,
                                           digits=CODE_DIGITS)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it by hand: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an inline SVG QR code (no script, no image request)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#0f172a", light="#ffffff")


def verify(user: User, device: TOTPDevice, code: str) -> None:
    """Check a code against the device; the first correct one confirms an enrolled device. Writes the audit entries
    of the sign-in (and of the enrollment) in the device's transaction. Raises :class:`CodeRefused`."""
    verdict = _attempts().claim(str(user.pk))
    if not verdict.allowed:
        raise CodeRefused(f"Слишком много неверных кодов. Попробуйте снова через {wait_time(verdict.retry_after)}.",
                          status=429, code="too_many_requests", headers={"Retry-After": str(verdict.retry_after)})
    typed = "".join(code.split())
    enrolling = not device.confirmed
    with transaction.atomic():
        accepted = typed.isdigit() and len(typed) == device.digits and device.verify_token(typed)
        if accepted:
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                audit.record("auth.staff_otp_enrolled", actor=user, staff=True, target=DEVICE_NAME)
            audit.record("auth.login", actor=user, staff=True, details=SIGN_IN)
    if not accepted:
        audit.record("auth.login_failed", actor=user, staff=True, details=SIGN_IN)
        logger.info("staff_otp_refused", extra={"userId": user.pk, "enrolling": enrolling})
        raise CodeRefused()
    _attempts().reset(str(user.pk))
    logger.info("staff_otp_verified", extra={"userId": user.pk, "enrolled": enrolling})


def reset(user: User) -> int:
    """Forget the staff member's devices (a lost phone): the next sign-in enrolls a new one. Returns how many."""
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    return deleted
