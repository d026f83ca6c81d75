"""Publishing a workspace's widget config as immutable versioned JSON in the public schema."""

import hashlib

from django.db import transaction

from core.links import media_url
from shared_apps.tenancy.models import Tenant
from tenant_apps.widgets.models import WidgetConfig

from .models import PublishedConfig, WidgetPublication


def consent_version(widget: WidgetConfig) -> str:
    """Identifies the exact consent wording a visitor saw (stored with each lead as 152-FZ evidence)."""
    digest = hashlib.sha256(
        "\n".join([widget.consent_text, widget.privacy_policy_url, str(widget.marketing_enabled),
                   widget.marketing_text]).encode()
    ).hexdigest()
    return f"c-{digest[:16]}"


def published_config(tenant: Tenant, widget: WidgetConfig, public_key: str) -> dict:
    return {
        "publicKey": public_key,
        "version": widget.version,
        "appearance": {
            "primaryColor": widget.primary_color, "theme": widget.theme, "position": widget.position,
            "buttonLabel": widget.button_label, "logoUrl": media_url(widget.logo),
            "avatarUrl": media_url(widget.avatar),
        },
        "texts": {
            "title": widget.title or tenant.name, "greeting": widget.greeting, "quickReplies": widget.quick_replies,
            "successMessage": widget.success_message, "offHoursMessage": widget.off_hours_message,
        },
        "channels": widget.channels,
        "consent": {
            "personalDataText": widget.consent_text, "privacyPolicyUrl": widget.privacy_policy_url,
            "version": consent_version(widget), "marketingEnabled": widget.marketing_enabled,
            "marketingText": widget.marketing_text,
        },
        "businessHours": {"timezone": tenant.timezone, **widget.business_hours},
    }


@transaction.atomic
def publish(tenant: Tenant, widget: WidgetConfig) -> WidgetPublication:
    """Make ``widget`` what the snippet shows from now on; the version's JSON never changes afterwards."""
    publication, _ = WidgetPublication.objects.select_for_update().get_or_create(tenant=tenant)
    config = published_config(tenant, widget, publication.public_key)
    PublishedConfig.objects.update_or_create(
        publication=publication, version=widget.version,
        defaults={"config": config, "consent_version": config["consent"]["version"]},
    )
    publication.version = widget.version
    publication.config = config
    publication.save(update_fields=["version", "config", "published_at"])
    return publication


def publish_saved_widget(sender: type, *, tenant: Tenant, widget: WidgetConfig, **kwargs) -> None:
    """``widgets.publishing.widget_saved``: every save of the editor is what the snippet shows next."""
    publish(tenant, widget)


def publish_default_widget(sender: type, *, tenant: Tenant, **kwargs) -> None:
    """``tenancy.signals.tenant_provisioned``: a new workspace's widget works at once, with the defaults
    (its schema holds no config row yet). Nothing is published for it yet, so two inserts do (sign-up is a hot path)."""
    widget = WidgetConfig()
    publication = WidgetPublication(tenant=tenant, version=widget.version)
    publication.config = published_config(tenant, widget, publication.public_key)
    publication.save(force_insert=True)
    PublishedConfig.objects.create(publication=publication, version=widget.version, config=publication.config,
                                   consent_version=publication.config["consent"]["version"])
