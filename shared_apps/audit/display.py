"""How an entry reads in the journal: the Russian names of the keys its ``details`` may hold and their values as
text. Every key any ``audit.record`` call writes has a name here (tests/test_display.py scans the code for them)."""

from collections.abc import Callable
from datetime import date
from typing import Any

from core.text import plural, rubles

# Keys of ``details`` (camelCase, as the API returns them) → what the journal calls them, in the order it shows them
# (the database keeps no order of a JSON object's keys).
DETAIL_LABELS: dict[str, str] = {
    "via": "Способ входа",
    "where": "Где",
    "secondFactor": "Второй фактор",
    "role": "Роль",
    "fromRole": "Была роль",
    "toRole": "Стала роль",
    "format": "Формат",
    "rows": "Строк",
    "filters": "Фильтры",
    "contacts": "Контакты",
    "background": "Формируется в фоне",
    "period": "Период",
    "fields": "Изменены поля",
    "eventType": "Тип встречи",
    "plan": "Тариф",
    "fromPlan": "Был тариф",
    "toPlan": "Стал тариф",
    "effectiveFrom": "Действует с",
    "fromStatus": "Был статус подписки",
    "toStatus": "Стал статус подписки",
    "days": "Продлён на",
    "trialEndsAt": "Пробный период до",
    "paymentOrder": "Платёж",
    "amount": "Сумма",
    "amountKopecks": "Сумма",
    "provider": "Способ оплаты",
    "purpose": "Назначение",
    "reason": "Причина",
    "until": "Действует до",
    "from": "Был срок хранения",
    "to": "Стал срок хранения",
    "months": "Срок хранения",
    "leads": "Лидов",
    "note": "Примечание",
}

WHERE = {"admin": "админка платформы"}
SECOND_FACTOR = {"totp": "код из приложения-аутентификатора"}


def months(value: Any) -> str:
    """A retention period: «бессрочно» for none, else «N месяцев» in the right form."""
    if value is None or value == "":
        return "бессрочно"
    number = int(value)
    return f"{number} {plural(number, ('месяц', 'месяца', 'месяцев'))}"


def _days(value: Any) -> str:
    number = int(value)
    return f"{number} {plural(number, ('день', 'дня', 'дней'))}"


def _date(value: Any) -> str:
    """Dates are written «дд.мм.гггг» already; an ISO date (YYYY-MM-DD) is turned into it."""
    try:
        return date.fromisoformat(str(value)).strftime("%d.%m.%Y")
    except ValueError:
        return str(value)


# Key → how its value reads. Higher layers add theirs (billing: the subscription's statuses) by ``register_value``.
VALUE_FORMATS: dict[str, Callable[[Any], str]] = {
    "where": lambda value: WHERE.get(str(value), str(value)),
    "secondFactor": lambda value: SECOND_FACTOR.get(str(value), str(value)),
    "amountKopecks": lambda value: rubles(int(value)),
    "days": _days,
    "trialEndsAt": _date,
    "effectiveFrom": _date,
    "until": _date,
    "from": months,
    "to": months,
    "months": months,
}


def register_value(key: str, text: Callable[[Any], str]) -> None:
    """How the values of ``key`` read (called from an app's ``ready``: the codes of its own choices)."""
    VALUE_FORMATS[key] = text


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, list | tuple):
        return ", ".join(_text(item) for item in value)
    if value is None:
        return "—"
    return str(value)


def value_text(key: str, value: Any) -> str:
    text = VALUE_FORMATS.get(key)
    if text is not None:
        try:
            return text(value)
        except (TypeError, ValueError):  # an entry written before the value's shape changed: shown as it is
            pass
    return _text(value)


_ORDER = {key: position for position, key in enumerate(DETAIL_LABELS)}


def detail_lines(details: dict[str, Any]) -> list[tuple[str, str]]:
    """Each detail as (its Russian name, its value as text); a key without a name last, as it is."""
    keys = sorted(details or {}, key=lambda key: (_ORDER.get(key, len(_ORDER)), key))
    return [(DETAIL_LABELS.get(key, key), value_text(key, details[key])) for key in keys]


STAFF_ACTOR = "Сотрудник Fast Lead"


def for_customer(entry: Any) -> dict[str, Any]:
    """Who did it and from where, as a workspace's admins see it: platform staff are «Сотрудник Fast Lead», without
    their e-mail, account id or address (staff see those in the platform admin)."""
    if entry.is_staff_action:
        return {"actor_id": None, "actor_label": STAFF_ACTOR, "ip": None}
    return {"actor_id": entry.actor_id, "actor_label": entry.actor_label, "ip": entry.ip}
