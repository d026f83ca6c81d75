"""The operator's requisites for the legal pages, read from settings (SELLER_* and LEGAL_*)."""

from dataclasses import dataclass

from django.conf import settings

from core.text import plural


@dataclass(frozen=True)
class LegalEntity:
    name: str
    inn: str
    kpp: str
    ogrn: str
    address: str
    director: str
    bank: str
    bik: str
    account: str
    corr_account: str
    email: str
    phone: str
    hours: str
    placeholders: bool  # development values, not a real company's (settings.LEGAL_PLACEHOLDERS)

    @property
    def ogrn_label(self) -> str:
        """An organisation has a КПП and an ОГРН; a sole trader (ИП) has neither КПП nor ОГРН, but an ОГРНИП."""
        return "ОГРН" if self.kpp else "ОГРНИП"


def legal_entity() -> LegalEntity:
    return LegalEntity(
        name=settings.SELLER_NAME, inn=settings.SELLER_INN, kpp=settings.SELLER_KPP, ogrn=settings.SELLER_OGRN,
        address=settings.SELLER_ADDRESS, director=settings.SELLER_DIRECTOR, bank=settings.SELLER_BANK,
        bik=settings.SELLER_BIK, account=settings.SELLER_ACCOUNT, corr_account=settings.SELLER_CORR_ACCOUNT,
        email=settings.LEGAL_EMAIL, phone=settings.LEGAL_PHONE, hours=settings.LEGAL_HOURS,
        placeholders=bool(settings.LEGAL_PLACEHOLDERS),
    )


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    lifetime: str


def _days(seconds: int) -> str:
    days = seconds // 86400
    return f"{days} {plural(days, ('день', 'дня', 'дней'))}"


def our_cookies() -> list[Cookie]:
    """Every cookie the site itself sets (Django's session, CSRF and messages cookies), with the settings' names
    and lifetimes. No analytics or advertising cookies: the site loads no counters."""
    return [
        Cookie(settings.SESSION_COOKIE_NAME, "Вход в кабинет: без неё после входа сайт не узнает вас на следующей "
               "странице. Ставится при входе или регистрации, недоступна скриптам (HttpOnly).",
               f"{_days(settings.SESSION_COOKIE_AGE)} или до выхода"),
        Cookie(settings.CSRF_COOKIE_NAME, "Защита форм (входа, регистрации, настроек) от подделки запроса с чужого "
               "сайта. Ставится на страницах с формой.", _days(settings.CSRF_COOKIE_AGE)),
        Cookie("messages", "Короткие уведомления вроде «Сохранено», показанные один раз после действия.",
               "до показа уведомления"),
    ]
