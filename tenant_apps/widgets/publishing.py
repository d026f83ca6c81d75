"""Publishing a saved widget version for the sites it runs on.

The widget's public side (widget_cdn, a layer above) keeps the published versions and serves them; it
subscribes to ``widget_saved``, so a save and its publication happen in one transaction.
"""

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

from core import events
from shared_apps.tenancy.models import Tenant

from .models import WidgetConfig

# Sent with ``tenant`` and ``widget`` inside the save's transaction.
widget_saved = Signal()


def publish(tenant: Tenant, widget: WidgetConfig) -> None:
    if not widget_saved.has_listeners(WidgetConfig):
        raise ImproperlyConfigured("Nothing publishes saved widgets: is widget_cdn installed?")
    widget_saved.send(sender=WidgetConfig, tenant=tenant, widget=widget)
    events.emit("widget_configured", tenantId=tenant.slug or "", config_version=widget.version)
