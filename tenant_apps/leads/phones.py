"""Phone numbers as visitors type them, checked against the numbering plans (``phonenumbers``) and stored as E.164."""

import phonenumbers
import phonenumbers.timezone

# A number typed without + is Russian: 8 916 …, 916 …, 7 916 ….
DEFAULT_REGION = "RU"


def normalize_phone(raw: str) -> str | None:
    """E.164 in ASCII digits (+79161234567) of a number that can exist, else None: digits of any script are read;
    «+7 000 000-00-00» and fifteen digits of nothing are not numbers."""
    try:
        number = phonenumbers.parse((raw or "").strip(), DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_time_zone(e164: str) -> str | None:
    """The time zone of a number when its numbering plan names exactly one (a Moscow landline; not a Russian mobile,
    which can be anywhere from Kaliningrad to Kamchatka)."""
    try:
        zones = phonenumbers.timezone.time_zones_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return None
    return zones[0] if len(zones) == 1 and zones[0] != phonenumbers.timezone.UNKNOWN_TIMEZONE else None
