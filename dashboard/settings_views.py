"""Profile settings in the cabinet (workspace host): name, avatar, e-mail, password, active logins.

Every section is its own POST form. Success: redirect back to the page with a message (PRG).
Bad input: the whole page again with status 400, the field errors and what the user typed.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.password_validation import get_default_password_validators
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from core import images
from core.ratelimit import RateLimit
from core.validation import field_length_error
from shared_apps.accounts import services
from shared_apps.accounts.models import LoginSession, OneTimeToken, User
from shared_apps.accounts.selectors import logins_of
from shared_apps.accounts.sessions import end_login_sessions, keep_login_after_password_change
from shared_apps.tenancy.decorators import member_required

_SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

# --- avatars ------------------------------------------------------------------------------------

AVATAR_SIZE = 256
def process_avatar(upload: UploadedFile) -> ContentFile:
    """Check the upload by its content and return a 256×256 centre-cropped WebP without metadata."""
    data = images.read_upload(upload, settings.AVATAR_MAX_BYTES)
    webp, _, _ = images.to_webp(data, (AVATAR_SIZE, AVATAR_SIZE), crop=True)
    return ContentFile(webp, name=f"{uuid.uuid4().hex}.webp")


def _replace_avatar(user: User, content: ContentFile | None) -> None:
    """Store the new avatar (or none) and delete the previous file once the row is saved."""
    old = user.avatar.name if user.avatar else ""
    storage = user.avatar.storage
    if content is None:
        user.avatar = ""
    else:
        user.avatar.save(content.name, content, save=False)
    user.save(update_fields=["avatar"])
    if old and old != user.avatar.name:
        storage.delete(old)


def initials_of(user: User) -> str:
    words = user.full_name.split()
    if words:
        return "".join(word[0] for word in words[:2]).upper()
    return (user.email[:1] or "?").upper()


# --- user agents -----------------------------------------------------------------------------------

# Order matters: Edge, Opera and Yandex also say "Chrome"; Chrome also says "Safari".
_BROWSERS = (
    ("YaBrowser/", "Яндекс Браузер"),
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
# iOS and Android before macOS and Linux: their user agents mention those too.
_SYSTEMS = (
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("iPod", "iOS"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
UNKNOWN_DEVICE = "Неизвестное устройство"


def _first_match(user_agent: str, table: tuple[tuple[str, str], ...]) -> str:
    return next((label for marker, label in table if marker in user_agent), "")


def user_agent_label(user_agent: str) -> str:
    """A short human label such as "Chrome, Linux" from a User-Agent header."""
    user_agent = (user_agent or "").strip()
    if not user_agent:
        return UNKNOWN_DEVICE
    browser, system = _first_match(user_agent, _BROWSERS), _first_match(user_agent, _SYSTEMS)
    if browser or system:
        return ", ".join(part for part in (browser, system) if part)
    if not user_agent.startswith("Mozilla/"):  # API clients and scripts: "python-requests/2.32" → "python-requests"
        return user_agent.split("/", 1)[0].split()[0][:40] or UNKNOWN_DEVICE
    return UNKNOWN_DEVICE


# --- active logins --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginRow:
    id: int
    label: str
    user_agent: str
    ip: str | None
    created_at: datetime
    last_seen_at: datetime
    hosts: list[str] = field(default_factory=list)
    is_current: bool = False


def _host_name(host: str) -> str:
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def login_rows(user: User, current_session_key: str | None) -> list[LoginRow]:
    """The user's logins for the page, the one this session belongs to first."""
    rows = []
    for root in logins_of(user):
        children = list(root.children.all())
        hosts = list(dict.fromkeys(_host_name(child.host) for child in children if child.host))
        last_seen = max([root.last_seen_at, *(child.last_seen_at for child in children)])
        is_current = bool(current_session_key) and current_session_key in {
            root.session_key, *(child.session_key for child in children)
        }
        rows.append(LoginRow(
            id=root.pk, label=user_agent_label(root.user_agent), user_agent=root.user_agent, ip=root.ip,
            created_at=root.created_at, last_seen_at=last_seen, hosts=hosts, is_current=is_current,
        ))
    rows.sort(key=lambda row: not row.is_current)  # stable: the rest keep newest activity first
    return rows


def _current_login_id(request: HttpRequest) -> int | None:
    key = request.session.session_key
    login = LoginSession.objects.filter(session_key=key).values("pk", "parent_id").first() if key else None
    return (login["parent_id"] or login["pk"]) if login else None


def _russian_plural(number: int, one: str, few: str, many: str) -> str:
    if number % 10 == 1 and number % 100 != 11:
        return one
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return few
    return many


# --- passwords ---------------------------------------------------------------------------------------

OLD_PASSWORD_FAILURES = RateLimit("settings-old-password", 5, 15 * 60)
EMAIL_CHANGE_REQUESTS = RateLimit("settings-email-change", 5, 60 * 60)


PASSWORD_FIELD_REQUIRED = {"old_password": "Введите текущий пароль.", "password": "Введите новый пароль."}


def password_min_length() -> int | None:
    """The configured minimum length (for the form's minlength and hint), if a validator sets one."""
    lengths = [getattr(validator, "min_length", None) for validator in get_default_password_validators()]
    return max((length for length in lengths if length), default=None)


def _wait_message(retry_after: int) -> str:
    return f"Слишком много попыток. Попробуйте снова через {max(1, -(-retry_after // 60))} мин."


def set_first_password(user: User, new_password: str, keep_session_key: str | None) -> None:
    """For users without a usable password (OAuth sign-ups): set one; every other login and token ends."""
    services.validate_new_password(user, new_password)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        services.revoke_everything(user, keep_session_key=keep_session_key)


# --- the page -----------------------------------------------------------------------------------------


def _pending_email(user: User) -> str:
    token = (
        OneTimeToken.objects.filter(
            user=user, purpose=OneTimeToken.Purpose.CHANGE_EMAIL, used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .values_list("payload", flat=True)
        .first()
    )
    email = (token or {}).get("email", "")
    return email if email and email != user.email else ""


def _page(request: HttpRequest, *, values: dict | None = None, errors: dict | None = None,
          status: int = 200) -> HttpResponse:
    user = request.user
    context = {
        "section": "settings",
        "profile": user,
        "initials": initials_of(user),
        "has_password": user.has_usable_password(),
        "pending_email": _pending_email(user),
        "logins": login_rows(user, request.session.session_key),
        "values": {"full_name": user.full_name, "email": "", **(values or {})},
        "errors": errors or {},
        "password_min_length": password_min_length(),
        "avatar_max_mb": f"{settings.AVATAR_MAX_BYTES / images.MB:g}",
        "avatar_accept": images.ACCEPT_ATTRIBUTE,
    }
    return render(request, "dashboard/settings.html", context, status=status)


def _done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("dashboard:settings")


@require_GET
@member_required
def settings_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@member_required
def update_name(request: HttpRequest) -> HttpResponse:
    full_name = " ".join(request.POST.get("full_name", "").split())
    error = ""
    if not full_name:
        error = "Укажите имя."
    elif too_long := field_length_error(full_name, User, "full_name"):
        error = too_long
    if error:
        return _page(request, values={"full_name": request.POST.get("full_name", "")},
                     errors={"full_name": error}, status=400)
    user = request.user
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    return _done(request, "Имя сохранено.")


@require_POST
@member_required
def upload_avatar(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("avatar")
    if upload is None:
        return _page(request, errors={"avatar": "Выберите файл с изображением."}, status=400)
    try:
        content = process_avatar(upload)
    except images.ImageRejected as exc:
        return _page(request, errors={"avatar": exc.message}, status=400)
    _replace_avatar(request.user, content)
    return _done(request, "Аватар обновлён.")


@require_POST
@member_required
def delete_avatar(request: HttpRequest) -> HttpResponse:
    if not request.user.avatar:
        return _done(request, "Аватар уже удалён.")
    _replace_avatar(request.user, None)
    return _done(request, "Аватар удалён.")


@require_POST
@member_required
def change_email(request: HttpRequest) -> HttpResponse:
    typed = request.POST.get("email", "")
    values = {"email": typed}
    if not typed.strip():
        return _page(request, values=values, errors={"email": "Введите новый e-mail."}, status=400)
    verdict = EMAIL_CHANGE_REQUESTS.hit(str(request.user.pk))
    if not verdict.allowed:
        return _page(request, values=values, errors={"email": _wait_message(verdict.retry_after)}, status=429)
    try:
        services.request_email_change(request.user, typed)
    except services.FieldErrors as exc:
        return _page(request, values=values, errors={"email": exc.fields.get("email", "Проверьте e-mail.")},
                     status=400)
    new_email = services.normalize_email(typed)
    return _done(request, f"Мы отправили ссылку на {new_email}. E-mail изменится после подтверждения.")


@sensitive_post_parameters("old_password", "password")
@require_POST
@member_required
def change_password(request: HttpRequest) -> HttpResponse:
    user = request.user
    had_password = user.has_usable_password()
    old_password = request.POST.get("old_password", "")
    new_password = request.POST.get("password", "")
    typed = {"old_password": old_password if had_password else "-", "password": new_password}
    errors = {name: PASSWORD_FIELD_REQUIRED[name] for name, value in typed.items() if not value}
    if errors:
        return _page(request, errors=errors, status=400)
    keep = request.session.session_key
    try:
        if had_password:
            verdict = OLD_PASSWORD_FAILURES.peek(str(user.pk))
            if not verdict.allowed:
                return _page(request, errors={"old_password": _wait_message(verdict.retry_after)}, status=429)
            try:
                services.change_password(user, old_password, new_password, keep_session_key=keep)
            except services.FieldErrors as exc:
                if "old_password" in exc.fields:
                    OLD_PASSWORD_FAILURES.hit(str(user.pk))
                raise
            OLD_PASSWORD_FAILURES.reset(str(user.pk))
        else:
            set_first_password(user, new_password, keep_session_key=keep)
    except services.FieldErrors as exc:
        return _page(request, errors=exc.fields, status=400)
    keep_login_after_password_change(request, user)
    if had_password:
        return _done(request, "Пароль изменён. Остальные входы завершены.")
    return _done(request, "Пароль задан. Теперь можно входить по e-mail и паролю. Остальные входы завершены.")


@require_POST
@member_required
def end_login(request: HttpRequest, login_id: int) -> HttpResponse:
    logins = LoginSession.objects.filter(pk=login_id, user=request.user, parent__isnull=True)
    if not logins.exists():
        raise Http404("Вход не найден")
    if login_id == _current_login_id(request):
        messages.error(request, "Это ваш текущий вход. Чтобы завершить его, нажмите «Выйти».")
        return redirect("dashboard:settings")
    end_login_sessions(logins)
    return _done(request, "Вход завершён.")


@require_POST
@member_required
def end_other_logins(request: HttpRequest) -> HttpResponse:
    others = LoginSession.objects.filter(user=request.user, parent__isnull=True)
    current = _current_login_id(request)
    if current is not None:
        others = others.exclude(pk=current)
    count = others.count()
    if not count:
        return _done(request, "Других входов нет.")
    end_login_sessions(others)
    word = _russian_plural(count, "вход", "входа", "входов")
    return _done(request, f"Завершили {count} {word}.")
