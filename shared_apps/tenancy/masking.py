"""Contact data as an analyst sees it: ``+7 9** ***-**-12``, ``a***@mail.ru`` and ``203.0.113.*``."""

import re

_DIGITS = re.compile(r"\d")


def mask_phone(phone: str) -> str:
    """Keep the country code, the first digit of the number and the last two: +79161234512 → +7 9** ***-**-12."""
    digits = "".join(_DIGITS.findall(phone or ""))
    if len(digits) < 4:
        return "***" if phone else ""
    if len(digits) == 11 and digits[0] in "78":
        return f"+7 {digits[1]}** ***-**-{digits[-2:]}"
    return f"+{digits[0]}{'*' * (len(digits) - 3)}{digits[-2:]}"


def mask_email(email: str) -> str:
    local, at, domain = (email or "").partition("@")
    if not at:
        return "***" if email else ""
    return f"{local[:1]}***@{domain}"


def mask_ip(ip: str | None) -> str:
    """An address without its host part: 203.0.113.45 → 203.0.113.*, 2001:db8:85a3::7 → 2001:db8:85a3:*."""
    if not ip:
        return ""
    if ":" in ip:
        groups = [group for group in ip.split(":") if group][:3]
        return ":".join(groups) + ":*"
    return ip.rsplit(".", 1)[0] + ".*"


def mask_contacts_in(text: str, phone: str = "", email: str = "") -> str:
    """A timeline's text with the lead's own phone (E.164, or its digits as a messenger id) and e-mail masked."""
    digits = "".join(_DIGITS.findall(phone or ""))
    for value, masked in ((phone, mask_phone(phone)), (digits, mask_phone(phone)), (email, mask_email(email))):
        if value and len(value) >= 4:
            # Escaped: the masked value is inserted as it is, never read as a regex template.
            text = re.sub(re.escape(value), masked.replace("\\", "\\\\"), text, flags=re.IGNORECASE)
    return text
