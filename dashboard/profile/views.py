"""Profile settings in the cabinet (workspace host): name, avatar, e-mail, password, active logins.

Every section is its own POST form. Success: redirect back to the page with a message (PRG).
Bad input: the whole page again with status 400, the field errors and what the user typed.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.password_validation import get_default_password_validators
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from core import images
from core.access import open_when_unpaid
from core.ratelimit import RateLimit
from core.text import plural
from shared_apps.accounts import selectors, services
from shared_apps.accounts.models import User
from shared_apps.accounts.sessions import keep_login_after_password_change
from shared_apps.tenancy.decorators import member_required
from shared_apps.tenancy.http import WorkspaceRequest

from .notifications import notifications_context

# --- the avatar's stand-in ------------------------------------------------------------------------


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
    for root in selectors.logins_of(user):
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


# --- the page -----------------------------------------------------------------------------------------


def _page(request: WorkspaceRequest, *, values: dict | None = None, errors: dict | None = None,
          status: int = 200) -> HttpResponse:
    user = request.user
    context = {
        "section": "settings",
        "profile": user,
        "initials": initials_of(user),
        "has_password": user.has_usable_password(),
        "pending_email": selectors.pending_email(user),
        "logins": login_rows(user, request.session.session_key),
        "values": {"full_name": user.full_name, "email": "", **(values or {})},
        "errors": errors or {},
        "password_min_length": password_min_length(),
        "avatar_max_mb": f"{settings.AVATAR_MAX_BYTES / images.MB:g}",
        "avatar_accept": images.ACCEPT_ATTRIBUTE,
        **notifications_context(request),
    }
    return render(request, "dashboard/settings.html", context, status=status)


def _done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("dashboard:settings")


@open_when_unpaid
@require_GET
@member_required
def settings_page(request: WorkspaceRequest) -> HttpResponse:
    return _page(request)


@open_when_unpaid
@require_POST
@member_required
def update_name(request: WorkspaceRequest) -> HttpResponse:
    typed = request.POST.get("full_name", "")
    try:
        services.rename_user(request.user, typed)
    except services.FieldErrors as exc:
        return _page(request, values={"full_name": typed}, errors=exc.fields, status=400)
    return _done(request, "Имя сохранено.")


@open_when_unpaid
@require_POST
@member_required
def upload_avatar(request: WorkspaceRequest) -> HttpResponse:
    upload = request.FILES.get("avatar")
    if upload is None:
        return _page(request, errors={"avatar": "Выберите файл с изображением."}, status=400)
    try:
        services.set_avatar(request.user, upload)
    except images.ImageRejected as exc:
        return _page(request, errors={"avatar": exc.message}, status=400)
    return _done(request, "Аватар обновлён.")


@open_when_unpaid
@require_POST
@member_required
def delete_avatar(request: WorkspaceRequest) -> HttpResponse:
    if not services.remove_avatar(request.user):
        return _done(request, "Аватар уже удалён.")
    return _done(request, "Аватар удалён.")


@open_when_unpaid
@require_POST
@member_required
def change_email(request: WorkspaceRequest) -> HttpResponse:
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


@open_when_unpaid
@sensitive_post_parameters("old_password", "password")
@require_POST
@member_required
def change_password(request: WorkspaceRequest) -> HttpResponse:
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
            services.set_first_password(user, new_password, keep_session_key=keep)
    except services.FieldErrors as exc:
        return _page(request, errors=exc.fields, status=400)
    keep_login_after_password_change(request, user)
    if had_password:
        return _done(request, "Пароль изменён. Остальные входы завершены.")
    return _done(request, "Пароль задан. Теперь можно входить по e-mail и паролю. Остальные входы завершены.")


@open_when_unpaid
@require_POST
@member_required
def end_login(request: WorkspaceRequest, login_id: int) -> HttpResponse:
    try:
        services.end_login(request.user, login_id, current_session_key=request.session.session_key)
    except services.LoginNotFound as exc:
        raise Http404(exc.message) from None
    except services.CurrentLogin as exc:
        messages.error(request, exc.message)
        return redirect("dashboard:settings")
    return _done(request, "Вход завершён.")


@open_when_unpaid
@require_POST
@member_required
def end_other_logins(request: WorkspaceRequest) -> HttpResponse:
    count = services.end_other_logins(request.user, current_session_key=request.session.session_key)
    if not count:
        return _done(request, "Других входов нет.")
    return _done(request, f"Завершили {count} {plural(count, ('вход', 'входа', 'входов'))}.")
