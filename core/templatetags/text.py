"""``{% load text %}``: the template side of core.text (one formatter for pages and e-mails)."""

from django import template

from core import text

register = template.Library()


@register.filter
def rubles(kopecks: int | None) -> str:
    return "" if kopecks is None else text.rubles(kopecks)


@register.filter
def whole_rubles(kopecks: int | None) -> str:
    return "" if kopecks is None else text.whole_rubles(kopecks)


@register.filter
def plural(n: int, forms: str) -> str:
    """``{{ count|plural:"вход,входа,входов" }}``."""
    one, few, many = forms.split(",")
    return text.plural(n, (one, few, many))
