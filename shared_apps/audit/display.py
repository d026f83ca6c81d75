"""How an entry reads in the journal: the Russian names of the keys its ``details`` may hold."""

from typing import Any

# Keys of ``details`` (camelCase, as the API returns them) → what the journal calls them, in the order it shows them
# (the database keeps no order of a JSON object's keys).
DETAIL_LABELS: dict[str, str] = {
    "via": "Способ входа",
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
    "amount": "Сумма",
    "provider": "Способ оплаты",
    "purpose": "Назначение",
    "reason": "Причина",
    "until": "Действует до",
    "note": "Примечание",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, list | tuple):
        return ", ".join(_text(item) for item in value)
    return str(value)


_ORDER = {key: position for position, key in enumerate(DETAIL_LABELS)}


def detail_lines(details: dict[str, Any]) -> list[tuple[str, str]]:
    """Each detail as (its Russian name, its value as text); a key without a name last, as it is."""
    keys = sorted(details or {}, key=lambda key: (_ORDER.get(key, len(_ORDER)), key))
    return [(DETAIL_LABELS.get(key, key), _text(details[key])) for key in keys]
