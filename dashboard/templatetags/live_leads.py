"""``{% load live_leads %}``: the menu's count of leads in status «Новый» (one query per page, however many menus)."""

from django import template

from tenant_apps.leads.live import new_leads_count

register = template.Library()


@register.simple_tag(takes_context=True)
def new_leads(context: template.Context) -> int:
    request = context.get("request")
    cached = getattr(request, "_new_leads_count", None)
    if cached is None:
        cached = new_leads_count()
        if request is not None:
            request._new_leads_count = cached
    return cached
