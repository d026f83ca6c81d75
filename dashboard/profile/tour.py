"""The cabinet's guided tour (driver.js, dashboard/static/dashboard/tour.js): when it starts by itself, what it shows,
and the member's «don't show it again».

It starts by itself on a cabinet page once the workspace is set up — the wizard finished, or not this member's to run
(an invited operator, analyst…), or switched off — until the member closes or finishes it; that is kept on the user,
so it holds on every device. The «Помощь» menu starts it again at any time. Not while the subscription holds the
cabinet back (read-only or billing-only): its sections can't be used then.
"""

from dataclasses import dataclass

from django.http import HttpResponse
from django.views.decorators.http import require_POST

from billing.entitlements import Access
from core.access import open_when_unpaid
from shared_apps.accounts.services import dismiss_tour
from shared_apps.flags import flags
from shared_apps.onboarding.wizard import is_finished
from shared_apps.tenancy.decorators import member_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm, has_permission


@dataclass(frozen=True)
class Stop:
    section: str  # the navigation entry's key: templates/dashboard/_nav_item.html marks it data-tour="<key>"
    title: str
    text: str
    permission: Perm
    flag: str | None = None


STOPS: tuple[Stop, ...] = (
    Stop("leads", "Лиды", "Все заявки с сайта и из мессенджеров: новые сверху, с историей общения, статусами и "
         "ответами клиенту прямо из карточки.", Perm.LEADS_VIEW),
    Stop("analytics", "Аналитика", "Сколько заявок пришло, из каких каналов и страниц, как быстро вы отвечаете и "
         "сколько из них дошло до записи.", Perm.ANALYTICS_VIEW),
    Stop("widget", "Виджет", "Внешний вид и тексты виджета на сайте, каналы для посетителей и код для установки.",
         Perm.WIDGET_VIEW),
    Stop("channels", "Каналы", "Telegram, e-mail, SMS и календарь: через них клиент получает первый ответ, а вы — "
         "уведомления о заявках.", Perm.CHANNELS_VIEW),
    Stop("team", "Команда", "Пригласите коллег и назначьте роли: кто обрабатывает заявки, а кто только смотрит "
         "отчёты.", Perm.TEAM_VIEW),
    Stop("billing", "Оплата", "Тариф, лимиты, счета и закрывающие документы.", Perm.BILLING_VIEW, flags.BILLING),
)
WELCOME = {"section": "", "title": "Добро пожаловать в кабинет",
           "text": "Покажем за минуту, где что находится. Экскурсию можно закрыть в любой момент."}
HELP = {"section": "help", "title": "Помощь",
        "text": "Здесь экскурсию можно пройти снова, открыть инструкции по установке или написать в поддержку."}


def steps_for(request: WorkspaceRequest) -> list[dict[str, str]]:
    """A welcome, the sections this member may open (with their flags on), and where to find help."""
    account_id = request.tenant.account_id
    sections = [{"section": stop.section, "title": stop.title, "text": stop.text} for stop in STOPS
                if has_permission(request.membership, stop.permission)
                and (stop.flag is None or flags.is_on(stop.flag, account_id))]
    return [WELCOME, *sections, HELP]


def starts_by_itself(request: WorkspaceRequest) -> bool:
    if request.user.tour_dismissed_at is not None or getattr(request, "billing_access", Access.FULL) is not Access.FULL:
        return False
    runs_the_wizard = (has_permission(request.membership, Perm.TENANT_EDIT)
                       and flags.is_on(flags.ONBOARDING, request.tenant.account_id))
    return not runs_the_wizard or is_finished(request.tenant)


@open_when_unpaid
@require_POST
@member_required
def dismiss(request: WorkspaceRequest) -> HttpResponse:
    """Closed or finished: not started by itself again. Idempotent (the first time is kept)."""
    dismiss_tour(request.user)
    return HttpResponse(status=204)
