"""The five plans of the pricing section; prices in kopecks, ``None`` limits are unlimited.

A feature that is promised but not built yet ends with ``IN_DEVELOPMENT``: the pricing and billing pages
show it as "в разработке", never with a tick.
"""

from typing import Any

IN_DEVELOPMENT = " — в разработке"
SALES_EMAIL = "sales@fastlead.ru"
WIDGET = "Виджет заявок для сайта: заявка в кабинете за секунды"
ANALYTICS = "Аналитика: воронка, каналы, источники, время до первого контакта"
REPLIES = "Ответ клиенту в SMS, e-mail, Telegram, WhatsApp и MAX, онлайн-запись через Cal.com"

PLANS: list[dict[str, Any]] = [
    {
        "code": "trial", "name": "Пробный", "price_kopecks": 0, "trial_days": 14, "leads_per_month": 50,
        "max_tenants": 1, "max_members": 3, "allows_export": True, "allows_custom_logo": True, "allows_api": True,
        "sort_order": 10,
        "features": ["Все функции", "До 50 лидов", WIDGET, REPLIES, "1 рабочее пространство", "Поддержка по e-mail"],
    },
    {
        "code": "start", "name": "Старт", "price_kopecks": 499_000, "leads_per_month": 500,
        "max_tenants": 1, "max_members": 3, "sort_order": 20,
        "features": ["До 500 лидов в месяц", WIDGET, REPLIES, "1 рабочее пространство", "До 3 участников команды",
                     "Поддержка по e-mail", ANALYTICS],
    },
    {
        "code": "pro", "name": "Про", "price_kopecks": 999_000, "leads_per_month": 2000,
        "max_tenants": 3, "max_members": 10, "allows_export": True, "allows_custom_logo": True, "sort_order": 30,
        "features": ["До 2 000 лидов в месяц", WIDGET, REPLIES, "До 3 рабочих пространств", "До 10 участников команды",
                     "Приоритетная поддержка по e-mail", "Свой логотип в виджете",
                     "Выгрузка аналитики и лидов в CSV и Excel"],
    },
    {
        "code": "business", "name": "Бизнес", "price_kopecks": 1_999_000, "leads_per_month": None,
        "max_tenants": None, "max_members": None, "allows_export": True, "allows_custom_logo": True,
        "allows_api": True, "sort_order": 40,
        "features": ["Лиды без ограничений", WIDGET, REPLIES, "Рабочие пространства без ограничений",
                     "Команда без ограничений", "Персональный менеджер", "Индивидуальный онбординг",
                     "Аналитика и лиды через API", "Вебхуки" + IN_DEVELOPMENT],
    },
    {
        "code": "enterprise", "name": "Корпоративный", "price_kopecks": None, "leads_per_month": None,
        "max_tenants": None, "max_members": None, "allows_export": True, "allows_custom_logo": True,
        "allows_api": True, "is_on_request": True, "sort_order": 50,
        "features": ["Всё из тарифа «Бизнес»", "Установка на ваших серверах", "SLA 99,9 %",
                     "Выделенная инфраструктура", "Индивидуальные интеграции"],
    },
]
