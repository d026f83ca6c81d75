"""Contact data as an analyst sees it: ``+7 9** ***-**-12`` and ``a***@mail.ru``."""

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
