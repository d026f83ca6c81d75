"""``{% load lead_status %}{% status_badge lead %}``: a lead's status badge, a tag rather than an include because
the leads list draws it twice per row (an include costs a template render each time)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tenant_apps.leads.models import Lead

register = template.Library()

# status → (badge colours, dot colour); any other status is grey.
TONES: dict[str, tuple[str, str]] = {
    Lead.Status.NEW: ("bg-blue-100 text-blue-800", "bg-blue-600"),
    Lead.Status.CONTACTED: ("bg-amber-100 text-amber-800", "bg-amber-500"),
    Lead.Status.BOOKED: ("bg-green-100 text-green-800", "bg-green-600"),
}
GREY = ("bg-gray-100 text-gray-700", "bg-gray-400")


@register.simple_tag
def status_badge(lead: Lead) -> SafeString:
    badge, dot = TONES.get(lead.status, GREY)
    return format_html('<span class="badge {}"><span class="h-1.5 w-1.5 rounded-full {}" aria-hidden="true"></span>'
                       "{}</span>", badge, dot, lead.get_status_display())
