"""``{% load live_leads %}``: the menu's count of leads in status «Новый» (one query per page, however many menus)."""

from django import template
from django.http import HttpRequest

from tenant_apps.leads.live import new_leads_count

register = template.Library()


def remember_new_leads(request: HttpRequest, count: int) -> None:
    """A view that has counted the new leads anyway (the overview) spares the menu its own count."""
    request._new_leads_count = count  # type: ignore[attr-defined]


@register.simple_tag(takes_context=True)
def new_leads(context: template.Context) -> int:
    request = context.get("request")
    cached = getattr(request, "_new_leads_count", None)
    if cached is None:
        cached = new_leads_count()
        if request is not None:
            remember_new_leads(request, cached)
    return cached
