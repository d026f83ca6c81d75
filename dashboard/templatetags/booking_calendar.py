"""``{% calendar_section as calendar %}``: the Cal.com section of «Каналы» reads its own state, so the page's view
does not need to know about it."""

from typing import Any

from django import template

from shared_apps.tenancy.permissions import Perm, has_permission
from tenant_apps.channels import booking

register = template.Library()


@register.simple_tag(takes_context=True)
def calendar_section(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    found = booking.connected_calendar()
    can_edit = has_permission(request.membership, Perm.CHANNELS_EDIT)
    return {
        "connection": found,
        "can_edit": can_edit,
        "webhook_url": booking.webhook_url(found, request.tenant) if found else "",
        # Only administrators paste it into Cal.com's webhook settings.
        "webhook_secret": booking.webhook_secret(found) if found and can_edit else "",
    }
