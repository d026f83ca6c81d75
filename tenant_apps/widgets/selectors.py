"""Reads of the widget's configuration."""

from core.links import media_url

from .models import WidgetConfig


def widget_out(widget: WidgetConfig, site_domains: list[str]) -> dict:
    return {
        "version": widget.version,
        "updatedAt": widget.updated_at,
        "updatedBy": widget.updated_by_name or None,
        "appearance": {"primaryColor": widget.primary_color, "theme": widget.theme, "position": widget.position,
                       "buttonLabel": widget.button_label, "logoUrl": media_url(widget.logo),
                       "avatarUrl": media_url(widget.avatar)},
        "texts": {"title": widget.title, "greeting": widget.greeting, "quickReplies": widget.quick_replies,
                  "successMessage": widget.success_message, "offHoursMessage": widget.off_hours_message},
        "channels": widget.channels,
        "consent": {"personalDataText": widget.consent_text, "privacyPolicyUrl": widget.privacy_policy_url,
                    "marketingEnabled": widget.marketing_enabled, "marketingText": widget.marketing_text},
        "siteDomains": site_domains,
        "businessHours": widget.business_hours,
    }


def business_hours() -> dict | None:
    """The workspace's business hours as the widget keeps them, or None before the widget is first saved."""
    return WidgetConfig.objects.order_by("pk").values_list("business_hours", flat=True).first()
