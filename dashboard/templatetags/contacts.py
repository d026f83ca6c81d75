import re

from django import template

register = template.Library()

_RUSSIAN_E164 = re.compile(r"^\+7(\d{3})(\d{3})(\d{2})(\d{2})$")


@register.filter
def phone(value: str) -> str:
    """``+79161234567`` → ``+7 916 123-45-67``; anything else is shown as stored."""
    match = _RUSSIAN_E164.match(value or "")
    if not match:
        return value
    return "+7 {} {}-{}-{}".format(*match.groups())
