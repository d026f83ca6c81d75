"""Writes for people and their logins: profile (name, avatar), e-mail confirmation and change, passwords, tokens,
sessions."""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core import images
from core.errors import Conflict, InvalidInput, NotFound, RateLimited
from core.links import platform_url
from core.ratelimit import RateLimit, hit_each
from core.text import wait_time
from core.validation import (
    PASSWORD_MAX_LENGTH,
    field_length_error,
    length_error,
    max_length_of,
    name_error,
    one_line,
)

from . import emails, one_time_tokens, selectors, signins
from .jwt_tokens import REFRESH, InvalidToken, decode, issue_access_token, issue_refresh_token
from .models import LoginSession, OneTimeToken, RefreshToken, User
from .sessions import end_login_sessions

logger = logging.getLogger(__name__)

REVOKED_FAMILY_KEY = "jwt:revoked-family:{}"
REVOKED_BEFORE_KEY = "jwt:user-revoked-before:{}"


class FieldErrors(InvalidInput):
    """Bad input; ``fields`` maps each field to a Russian message."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(fields=fields)


class LoginNotFound(NotFound):
    code = "login_not_found"
    default_message = "Вход не найден"


class CurrentLogin(Conflict):
    """The login list does not end the login the request itself belongs to: that is what «Выйти» is for."""

    code = "current_login"
    default_message = "Это ваш текущий вход. Чтобы завершить его, нажмите «Выйти»."


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = "Аккаунт с этим e-mail уже существует. Войдите или восстановите пароль."

    def __init__(self) -> None:
        super().__init__(fields={"email": "Этот e-mail уже зарегистрирован."})


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    user: User = field(repr=False)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


EMAIL_REQUIRED = "Введите e-mail."
EMAIL_INVALID = "Введите корректный e-mail, например anna@company.ru."


def email_error(email: str, required: str = EMAIL_REQUIRED) -> str | None:
    """What is wrong with an (already normalised) e-mail typed into a form: missing, too long for the
    column, or not an address; None when it will do."""
    if not email:
        return required
    if too_long := field_length_error(email, User, "email"):
        return too_long
    try:
        validate_email(email)
    except ValidationError:
        return EMAIL_INVALID
    return None


def new_password_error(user: User, password: str, required: str = "Придумайте пароль.") -> str | None:
    if not password:
        return required
    if too_long := length_error(password, PASSWORD_MAX_LENGTH):
        return too_long
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


# --- profile: name and avatar ------------------------------------------------------------

AVATAR_SIZE = 256


def rename_user(user: User, full_name: str) -> None:
    """Set the person's name as typed, on one line; FieldErrors on ``full_name`` when empty, too long or unreadable."""
    full_name = one_line(full_name)
    if error := name_error(full_name, max_length_of(User, "full_name"), "Укажите имя."):
        raise FieldErrors({"full_name": error})
    user.full_name = full_name
    user.save(update_fields=["full_name"])


def dismiss_tour(user: User) -> None:
    """The cabinet's tour was closed or finished: it does not start by itself again (the first time is kept)."""
    User.objects.filter(pk=user.pk, tour_dismissed_at__isnull=True).update(tour_dismissed_at=timezone.now())


def set_avatar(user: User, upload: UploadedFile) -> None:
    """Check the upload by its content (``core.images.ImageRejected`` if it will not do) and store it as a 256×256
    centre-cropped WebP without metadata, in place of the previous avatar."""
    data = images.read_upload(upload, settings.AVATAR_MAX_BYTES)
    webp, _, _ = images.to_webp(data, (AVATAR_SIZE, AVATAR_SIZE), crop=True)
    _replace_avatar(user, webp)


def remove_avatar(user: User) -> bool:
    """Delete the avatar; False when there was none."""
    if not user.avatar:
        return False
    _replace_avatar(user, None)
    return True


def _replace_avatar(user: User, webp: bytes | None) -> None:
    """Store the new avatar (WebP bytes) or none, and delete the previous file once the row is saved."""
    old = user.avatar.name if user.avatar else ""
    storage = user.avatar.storage
    if webp is None:
        user.avatar = ""
    else:
        user.avatar.save(f"{uuid.uuid4().hex}.webp", ContentFile(webp), save=False)
    user.save(update_fields=["avatar"])
    if old and old != user.avatar.name:
        storage.delete(old)


# --- e-mail confirmation ---------------------------------------------------------------


def send_confirmation(user: User) -> None:
    raw = one_time_tokens.issue(
        user, OneTimeToken.Purpose.CONFIRM_EMAIL, timedelta(hours=settings.EMAIL_CONFIRMATION_TTL_HOURS),
        {"email": user.email},
    )
    emails.send_confirmation(user, raw)


def resend_confirmation(user: User) -> int:
    """Send a fresh link unless one went out within the cooldown; returns seconds to wait (0 = sent)."""
    if user.is_email_confirmed:
        return 0
    last = (
        OneTimeToken.objects.filter(user=user, purpose=OneTimeToken.Purpose.CONFIRM_EMAIL)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is not None:
        wait = settings.EMAIL_RESEND_COOLDOWN_SECONDS - (timezone.now() - last).total_seconds()
        if wait > 0:
            return int(wait) + 1
    send_confirmation(user)
    return 0


def confirm_email(raw_token: str) -> User:
    """Consume a confirmation link (48 h, single use), confirm the address, send the welcome e-mail."""
    with transaction.atomic():
        token = one_time_tokens.consume(raw_token, OneTimeToken.Purpose.CONFIRM_EMAIL)
        user = token.user
        if token.payload.get("email") != user.email:
            raise one_time_tokens.TokenRejected("invalid")
        if not user.is_email_confirmed:
            user.email_confirmed_at = timezone.now()
            user.save(update_fields=["email_confirmed_at"])
            emails.send_welcome(user, platform_url("/login/continue"))  # logs in and opens their workspace
    return user


# --- passwords ----------------------------------------------------------------------------


def request_password_reset(email: str, ip: str | None) -> None:
    """Mail a reset link if such an active user exists; the caller answers the same either way. Past the limits
    per IP and per address (counted alike for addresses that have no account) RateLimited, and no e-mail."""
    email = normalize_email(email)
    verdict = hit_each(
        (RateLimit("password-reset-ip", settings.PASSWORD_RESET_LIMIT_PER_IP, 3600), ip),
        (RateLimit("password-reset-email", settings.PASSWORD_RESET_LIMIT_PER_EMAIL, 3600), email),
    )
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after, "Слишком много запросов на восстановление пароля. "
                                               f"Попробуйте снова через {wait_time(verdict.retry_after)}.")
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return
    raw = one_time_tokens.issue(
        user, OneTimeToken.Purpose.RESET_PASSWORD, timedelta(minutes=settings.PASSWORD_RESET_TTL_MINUTES)
    )
    emails.send_password_reset(user, raw)


def validate_new_password(user: User, password: str) -> None:
    if error := new_password_error(user, password, required="Введите новый пароль."):
        raise FieldErrors({"password": error})


def reset_password(raw_token: str, new_password: str) -> User:
    """Set a new password from a reset link (1 h, single use) and end every session and token."""
    with transaction.atomic():
        token = one_time_tokens.consume(raw_token, OneTimeToken.Purpose.RESET_PASSWORD)
        user = token.user
        validate_new_password(user, new_password)
        user.set_password(new_password)
        if not user.is_email_confirmed:
            user.email_confirmed_at = timezone.now()  # the link proved the address
        user.save(update_fields=["password", "email_confirmed_at"])
        one_time_tokens.invalidate(user, OneTimeToken.Purpose.RESET_PASSWORD)
        revoke_everything(user)
    return user


def change_password(user: User, old_password: str, new_password: str, keep_session_key: str | None) -> None:
    """Change the password; every other session and all API tokens end."""
    if not user.check_password(old_password):
        raise FieldErrors({"old_password": "Текущий пароль введён неверно."})
    validate_new_password(user, new_password)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        revoke_everything(user, keep_session_key=keep_session_key)


def set_first_password(user: User, new_password: str, keep_session_key: str | None) -> None:
    """For users without a usable password (OAuth sign-ups): set one; every other login and token ends."""
    validate_new_password(user, new_password)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        revoke_everything(user, keep_session_key=keep_session_key)


# --- e-mail change --------------------------------------------------------------------------


def request_email_change(user: User, new_email: str) -> None:
    new_email = normalize_email(new_email)
    if error := email_error(new_email, required="Введите новый e-mail."):
        raise FieldErrors({"email": error})
    if new_email == user.email:
        raise FieldErrors({"email": "Это ваш текущий e-mail."})
    if User.objects.filter(email__iexact=new_email).exists():
        raise FieldErrors({"email": "Этот e-mail уже занят другим пользователем."})
    raw = one_time_tokens.issue(
        user, OneTimeToken.Purpose.CHANGE_EMAIL, timedelta(hours=settings.EMAIL_CONFIRMATION_TTL_HOURS),
        {"email": new_email},
    )
    emails.send_email_change(user, new_email, raw)


def confirm_email_change(raw_token: str) -> User:
    with transaction.atomic():
        token = one_time_tokens.consume(raw_token, OneTimeToken.Purpose.CHANGE_EMAIL)
        user, new_email = token.user, token.payload["email"]
        if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
            raise FieldErrors({"email": "Этот e-mail уже занят другим пользователем."})
        user.email = new_email
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email", "email_confirmed_at"])
        one_time_tokens.invalidate(user, OneTimeToken.Purpose.CHANGE_EMAIL)
    return user


# --- API tokens --------------------------------------------------------------------------------


def issue_token_pair(user: User, tenant_slug: str = "", *, family: uuid.UUID | None = None, ip: str | None = None,
                     user_agent: str = "") -> TokenPair:
    family = family or uuid.uuid4()
    jti = uuid.uuid4()
    refresh, expires_at = issue_refresh_token(user.pk, tenant_slug, jti, family)
    RefreshToken.objects.create(
        jti=jti, family=family, user=user, tenant_slug=tenant_slug, expires_at=expires_at, ip=ip,
        user_agent=user_agent[:300],
    )
    return TokenPair(access=issue_access_token(user.pk, tenant_slug, family=str(family)), refresh=refresh, user=user)


def rotate_refresh_token(raw: str, *, ip: str | None = None, user_agent: str = "") -> TokenPair:
    """Trade a refresh token for a new pair, once. A second use of the same token is theft:
    the whole family is revoked and the caller gets 401."""
    claims = decode(raw, REFRESH)
    now = timezone.now()
    with transaction.atomic():
        row = RefreshToken.objects.select_for_update().select_related("user").filter(jti=claims.jti).first()
        if row is None or row.revoked_at is not None or row.expires_at <= now or not row.user.is_active:
            raise InvalidToken("refresh token revoked or unknown")
        if row.rotated_at is None:
            row.rotated_at = now
            row.save(update_fields=["rotated_at"])
            return issue_token_pair(row.user, row.tenant_slug, family=row.family, ip=ip, user_agent=user_agent)
        revoke_family(row.family)
    logger.warning("refresh_token_reuse", extra={"userId": row.user_id, "family": str(row.family)})
    raise InvalidToken("refresh token reused: family revoked")


def revoke_family(family: uuid.UUID | str) -> None:
    RefreshToken.objects.filter(family=family, revoked_at__isnull=True).update(revoked_at=timezone.now())
    caches["platform"].set(REVOKED_FAMILY_KEY.format(family), 1, timeout=settings.JWT_ACCESS_TTL_SECONDS + 60)


def revoke_workspace_tokens(user_id: int, tenant_slug: str) -> None:
    """The user's API tokens issued for one workspace end, refresh and access alike (they left it)."""
    families = RefreshToken.objects.filter(user_id=user_id, tenant_slug=tenant_slug, revoked_at__isnull=True)
    for family in set(families.values_list("family", flat=True)):
        revoke_family(family)


def logout_refresh_token(raw: str) -> None:
    """Log an API client out: its token family stops working, access tokens included."""
    claims = decode(raw, REFRESH)
    if claims.family:
        revoke_family(claims.family)
    if user := User.objects.filter(pk=claims.user_id).first():
        signins.signed_out(user, signins.VIA_API)


def revoke_everything(user: User, keep_session_key: str | None = None) -> None:
    """End all API tokens and browser logins of the user (but the login holding ``keep_session_key``)."""
    RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    caches["platform"].set(
        REVOKED_BEFORE_KEY.format(user.pk), timezone.now().timestamp(), timeout=settings.JWT_ACCESS_TTL_SECONDS + 60
    )
    roots = LoginSession.objects.filter(user=user, parent__isnull=True)
    if keep_session_key:
        kept = LoginSession.objects.filter(session_key=keep_session_key).first()
        if kept:
            roots = roots.exclude(pk=kept.parent_id or kept.pk)
    end_login_sessions(roots)


# --- browser logins ------------------------------------------------------------------------------


def end_login(user: User, login_id: int, *, current_session_key: str | None) -> None:
    """End one of the user's logins (on every host it reached). LoginNotFound unless it is a whole login of theirs;
    CurrentLogin for the login holding ``current_session_key``."""
    logins = LoginSession.objects.filter(pk=login_id, user=user, parent__isnull=True)
    if not logins.exists():
        raise LoginNotFound()
    if login_id == selectors.login_id_of(current_session_key):
        raise CurrentLogin()
    end_login_sessions(logins)


def end_other_logins(user: User, *, current_session_key: str | None) -> int:
    """End every login of the user but the one holding ``current_session_key``; returns how many ended."""
    others = LoginSession.objects.filter(user=user, parent__isnull=True)
    current = selectors.login_id_of(current_session_key)
    if current is not None:
        others = others.exclude(pk=current)
    count = others.count()
    if count:
        end_login_sessions(others)
    return count
