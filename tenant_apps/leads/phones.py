import re

_NON_DIGITS = re.compile(r"\D")


def normalize_phone(raw: str) -> str | None:
    """Russian numbers to E.164 (+7 and ten digits); other international numbers with + are kept; else None."""
    text = (raw or "").strip()
    digits = _NON_DIGITS.sub("", text)
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] == "9":
        return "+7" + digits
    if text.startswith("+") and 11 <= len(digits) <= 15 and not digits.startswith("7"):
        return "+" + digits
    return None
