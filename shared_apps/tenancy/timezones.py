"""Russia's time zones with Russian names: the one list behind every time-zone select and label.

Stored values stay IANA identifiers (``Europe/Moscow``); people see «Москва (UTC+3)». Russia has no
daylight saving time, so the offset in the label holds all year.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

_CITIES = [
    ("Europe/Kaliningrad", "Калининград"),
    ("Europe/Moscow", "Москва"),
    ("Europe/Samara", "Самара"),
    ("Asia/Yekaterinburg", "Екатеринбург"),
    ("Asia/Omsk", "Омск"),
    ("Asia/Novosibirsk", "Новосибирск"),
    ("Asia/Krasnoyarsk", "Красноярск"),
    ("Asia/Irkutsk", "Иркутск"),
    ("Asia/Yakutsk", "Якутск"),
    ("Asia/Vladivostok", "Владивосток"),
    ("Asia/Magadan", "Магадан"),
    ("Asia/Kamchatka", "Петропавловск-Камчатский"),
]


def utc_offset(tz: str) -> str:
    """«UTC+3», «UTC+5:30», «UTC−3», «UTC» for the zone's offset now."""
    offset = datetime.now(ZoneInfo(tz)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


RUSSIAN_TIMEZONES: list[tuple[str, str]] = [(tz, f"{city} ({utc_offset(tz)})") for tz, city in _CITIES]
_LABELS = dict(RUSSIAN_TIMEZONES)
# UTC under its own names: «Всемирное время (UTC)», not «UTC (UTC)».
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"})
UTC_LABEL = "Всемирное время (UTC)"


def timezone_label(tz: str) -> str:
    """What a person reads for a stored zone; a zone outside the list keeps its identifier, with the offset."""
    if tz in _LABELS:
        return _LABELS[tz]
    if tz in _UTC_NAMES:
        return UTC_LABEL
    try:
        return f"{tz} ({utc_offset(tz)})"
    except (ValueError, KeyError):  # not a zone at all (ZoneInfoNotFoundError is a KeyError)
        return tz


def timezone_choices(current: str = "") -> list[tuple[str, str]]:
    """(value, label) pairs for a select; a stored zone outside the list comes first so it stays selected."""
    if current and current not in _LABELS:
        return [(current, timezone_label(current)), *RUSSIAN_TIMEZONES]
    return RUSSIAN_TIMEZONES
