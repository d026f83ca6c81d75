"""How the channels' texts name things for people: a workspace's name in quotes once, a time zone by its city,
seconds with the Russian decimal comma."""

from zoneinfo import ZoneInfo

from shared_apps.tenancy.timezones import timezone_label

QUOTES = "«»\"„“”"  # not the apostrophe: O'Neil is a name, not a quotation
NO_NAME = "Без имени"  # a stranger's lead when the provider tells no name: not a name to greet by


def quoted(name: str) -> str:
    """«Улыбка» for Улыбка; a name that has quotes of its own (Стоматология «Улыбка») is left as it is."""
    name = name.strip()
    return name if any(mark in name for mark in QUOTES) else f"«{name}»"


def zone_label(zone: ZoneInfo | str) -> str:
    """«Москва (UTC+3)»; a zone outside Russia's list keeps its identifier, with its offset."""
    return timezone_label(zone.key if isinstance(zone, ZoneInfo) else zone)


def seconds(value: float) -> str:
    """«0,3» — one decimal, comma-separated."""
    return f"{value:.1f}".replace(".", ",")
