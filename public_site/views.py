import logging
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from billing.plans import SALES_EMAIL
from billing.selectors import pricing_plans
from core.links import platform_url
from widget_cdn.models import WidgetPublication

from .legal import legal_entity, our_cookies
from .page_cache import cached_page
from .seo import Seo, product
from .verticals import BY_SLUG, VERTICALS

logger = logging.getLogger(__name__)


# The workspace `manage.py seed_demo` (dev/, development only) creates.
SEEDED_DEMO_SLUG = "demo"


def _demo_url() -> str | None:
    """The live widget page the «Демо» links open: anyone can open it, no account needed.

    ``DEMO_WIDGET_KEY`` names the published widget; without it development falls back to the seeded demo
    workspace, production shows no demo links. None (links hidden) when there is no such publication.
    """
    demo = WidgetPublication.objects.only("public_key")
    if settings.DEMO_WIDGET_KEY:
        demo = demo.filter(public_key=settings.DEMO_WIDGET_KEY)
    elif settings.APP_ENV != "production":
        demo = demo.filter(tenant__slug=SEEDED_DEMO_SLUG)
    else:
        return None
    found = demo.first()
    return platform_url(f"/w/{found.public_key}/demo") if found else None


def page(request: HttpRequest, template: str, seo: Seo, context: dict[str, Any] | None = None) -> HttpResponse:
    """A marketing page: its SEO tags and the header's demo link come with every one."""
    return render(request, template, {"seo": seo, "demo_url": _demo_url(), **(context or {})})


@require_safe
@cached_page
def landing(request: HttpRequest) -> HttpResponse:
    plans = list(pricing_plans())
    seo = Seo(
        title="Fast Lead — заявки с сайта в кабинете за секунды и ответ клиенту за минуту",
        description="Виджет заявок для сайта: заявка в кабинете за секунды, первое сообщение клиенту в SMS, e-mail "
                    "или WhatsApp уходит само, запись через Cal.com. 14 дней бесплатно.",
        path="/", structured=(product(plans),))
    return page(request, "public_site/landing.html", seo, {"plans": plans})


@require_safe
@cached_page
def features(request: HttpRequest) -> HttpResponse:
    seo = Seo(
        title="Возможности Fast Lead — виджет, каналы, запись через Cal.com и аналитика",
        description="Что умеет Fast Lead: виджет заявок с согласием по 152-ФЗ, ответ в SMS, e-mail, Telegram, "
                    "WhatsApp и MAX, онлайн-запись через Cal.com, аналитика по каналам и роли команды.",
        path="/features")
    return page(request, "public_site/features.html", seo)


@require_safe
@cached_page
def pricing(request: HttpRequest) -> HttpResponse:
    plans = list(pricing_plans())
    seo = Seo(
        title="Тарифы Fast Lead — цены в рублях и бесплатный пробный период",
        description="Тарифы Fast Lead в рублях: пробный период без карты, тарифы по числу заявок в месяц, оплата "
                    "картой через ЮKassa или T-Bank и по счёту для юрлиц.",
        path="/pricing", structured=(product(plans),))
    return page(request, "public_site/pricing.html", seo, {"plans": plans, "sales_email": SALES_EMAIL})


@require_safe
@cached_page
def use_cases(request: HttpRequest) -> HttpResponse:
    seo = Seo(
        title="Fast Lead для вашего бизнеса — клиники, салоны, автосервисы и другие",
        description="Как клиники, салоны красоты, автосервисы, агентства недвижимости, школы и B2B-компании "
                    "настраивают виджет заявок Fast Lead: цвета, приветствие, быстрые ответы и каналы.",
        path="/use-cases")
    return page(request, "public_site/use_cases.html", seo, {"verticals": VERTICALS})


@require_safe
@cached_page
def use_case(request: HttpRequest, slug: str) -> HttpResponse:
    vertical = BY_SLUG.get(slug)
    if vertical is None:
        raise Http404("Нет такой отрасли")
    seo = Seo(title=f"{vertical.h1} — Fast Lead", description=vertical.description, path=f"/use-cases/{slug}")
    return page(request, "public_site/use_case.html", seo,
                {"vertical": vertical, "others": [other for other in VERTICALS if other is not vertical]})


LEGAL_PAGES = {
    "offer": ("Договор-оферта на использование сервиса Fast Lead",
              "Публичная оферта Fast Lead: предмет договора, тарифы и цены, порядок оплаты и возврата, "
              "ответственность сторон, срок действия и реквизиты исполнителя."),
    "privacy": ("Политика обработки персональных данных — Fast Lead",
                "Как Fast Lead обрабатывает персональные данные по 152-ФЗ: оператор, цели, категории данных, "
                "правовые основания, сроки хранения, права субъектов и контакты."),
    "cookies": ("Файлы cookie на сайте Fast Lead",
                "Какие файлы cookie ставит сайт Fast Lead и зачем: вход в кабинет, защита форм от подделки "
                "запросов и разовые уведомления. Рекламных и аналитических cookie нет."),
    "requisites": ("Реквизиты и контакты — Fast Lead",
                   "Реквизиты и контакты исполнителя сервиса Fast Lead: наименование, ИНН, ОГРН, юридический "
                   "адрес, банковские реквизиты, e-mail, телефон и часы работы."),
}


@require_safe
@cached_page
def legal(request: HttpRequest, document: str) -> HttpResponse:
    title, description = LEGAL_PAGES[document]
    seo = Seo(title=title, description=description, path=f"/legal/{document}")
    context: dict[str, Any] = {"entity": legal_entity(), "sales_email": SALES_EMAIL}
    if document == "offer":
        context["plans"] = pricing_plans()
    if document == "cookies":
        context["cookies"] = our_cookies()
    return page(request, f"public_site/legal/{document}.html", seo, context)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context = {"title": "Доступ запрещён", "message": "У вас нет прав на это действие или на эту страницу."}
    return render(request, "errors/refused.html", context, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """Without the request's context processors: the failure may be the database or Redis they read."""
    html: str
    try:
        html = render_to_string("errors/500.html", {"platform_home_url": platform_url("/")})
    except Exception:  # the error page itself must never fail into a bare traceback
        logger.exception("error_page_failed")
        html = FALLBACK_500
    return HttpResponse(html, status=500)


FALLBACK_500 = (
    '<!doctype html><html lang="ru"><meta charset="utf-8"><title>Ошибка на сервере — Fast Lead</title>'
    "<h1>Что-то пошло не так</h1><p>На сервере произошла ошибка. Попробуйте обновить страницу через минуту.</p>"
)
