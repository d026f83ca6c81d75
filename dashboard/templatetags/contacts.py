import re

from django import template

from shared_apps.tenancy.masking import mask_contacts_in, mask_email, mask_ip, mask_phone
from shared_apps.tenancy.permissions import Perm
from shared_apps.tenancy.timezones import timezone_label as _timezone_label

register = template.Library()

_RUSSIAN_E164 = re.compile(r"^\+7(\d{3})(\d{3})(\d{2})(\d{2})$")


@register.filter
def phone(value: str) -> str:
    """``+79161234567`` → ``+7 916 123-45-67``; anything else is shown as stored."""
    match = _RUSSIAN_E164.match(value or "")
    if not match:
        return value
    return "+7 {} {}-{}-{}".format(*match.groups())


@register.filter
def contact_phone(value: str, perms) -> str:
    """The phone as this member may see it: formatted, or masked for roles without contact access."""
    return phone(value) if str(Perm.CONTACTS_UNMASKED) in perms else mask_phone(value)


@register.filter
def contact_email(value: str, perms) -> str:
    return value if str(Perm.CONTACTS_UNMASKED) in perms else mask_email(value)


@register.filter
def sees_contacts(perms) -> bool:
    return str(Perm.CONTACTS_UNMASKED) in perms


@register.filter
def contact_ip(value: str | None, perms) -> str:
    """The consent's IP address: whole, or without its host part for roles without contact access."""
    return (value or "") if str(Perm.CONTACTS_UNMASKED) in perms else mask_ip(value)


@register.filter
def event_text(event, perms) -> str:
    """A timeline event's text; the lead's own phone and e-mail in it are masked for roles without contact access."""
    if str(Perm.CONTACTS_UNMASKED) in perms:
        return event.text
    return mask_contacts_in(event.text, event.lead.phone, event.lead.email)


@register.filter
def timezone_label(value: str) -> str:
    """«Москва (UTC+3)» for Europe/Moscow: a zone as the cabinet shows it everywhere."""
    return _timezone_label(value)
