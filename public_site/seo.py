"""What search engines and link previews read on every public page: title, description, canonical URL, Open Graph
and JSON-LD. A view builds one :class:`Seo`; ``templates/public_site/_seo.html`` turns it into tags."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe

from billing.models import Plan
from core.links import platform_url

SITE_NAME = "Fast Lead"
OG_IMAGE = "og/fast-lead-1200x630.png"
LOGO_IMAGE = "og/fast-lead-logo-512.png"


@dataclass(frozen=True)
class Seo:
    title: str
    description: str
    path: str  # the page's own path on the public host, e.g. "/pricing"
    og_type: str = "website"
    structured: tuple[dict[str, Any], ...] = field(default=())  # JSON-LD besides the Organization

    @property
    def canonical(self) -> str:
        return platform_url(self.path)

    @property
    def image(self) -> str:
        return platform_url(static(OG_IMAGE))

    @property
    def json_ld(self) -> list[SafeString]:
        return [json_ld_script(block) for block in (organization(), *self.structured)]


def json_ld_script(data: dict[str, Any]) -> SafeString:
    """The JSON for a ``<script type="application/ld+json">``: no text inside can close the tag or open a comment."""
    text = json.dumps({"@context": "https://schema.org", **data}, ensure_ascii=False)
    return mark_safe(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))  # noqa: S308


def organization() -> dict[str, Any]:
    return {
        "@type": "Organization",
        "name": SITE_NAME,
        "legalName": settings.SELLER_NAME,
        "url": platform_url("/"),
        "logo": platform_url(static(LOGO_IMAGE)),
        "email": settings.LEGAL_EMAIL,
        "telephone": settings.LEGAL_PHONE,
    }


def schema_price(kopecks: int) -> str:
    """Rubles as schema.org wants a price: a plain decimal, "4990" or "12345.5"."""
    return str(Decimal(kopecks) / 100)


def product(plans: Iterable[Plan]) -> dict[str, Any]:
    """The service with one offer per plan that has a price (a plan sold on request has none to state)."""
    offers = []
    for plan in plans:
        price = "0" if plan.is_trial else None if plan.price_kopecks is None else schema_price(plan.price_kopecks)
        if price is not None and not plan.is_on_request:
            offers.append({"@type": "Offer", "name": plan.name, "price": price, "priceCurrency": "RUB",
                           "url": platform_url("/pricing"), "availability": "https://schema.org/InStock"})
    return {
        "@type": "Product",
        "name": SITE_NAME,
        "description": "Виджет заявок для сайта: заявка в кабинете за секунды, переписка с клиентом в SMS, e-mail, "
                       "WhatsApp, Telegram или MAX и онлайн-запись через Cal.com.",
        "brand": {"@type": "Brand", "name": SITE_NAME},
        "image": platform_url(static(OG_IMAGE)),
        "offers": offers,
    }


def blog_posting(*, headline: str, description: str, path: str, published: date, tags: Iterable[str]) -> dict[str, Any]:
    author = {"@type": "Organization", "name": SITE_NAME, "url": platform_url("/")}
    return {
        "@type": "BlogPosting",
        "headline": headline,
        "description": description,
        "url": platform_url(path),
        "mainEntityOfPage": platform_url(path),
        "datePublished": published.isoformat(),
        "author": author,
        "publisher": {**author, "logo": {"@type": "ImageObject", "url": platform_url(static(LOGO_IMAGE))}},
        "image": platform_url(static(OG_IMAGE)),
        "inLanguage": "ru-RU",
        "keywords": ", ".join(tags),
    }
