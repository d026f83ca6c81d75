from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "tenant_apps.analytics"
    label = "analytics"
    verbose_name = "Аналитика"

    def ready(self) -> None:
        from tenant_apps.leads.signals import lead_changed

        from .receivers import DISPATCH_UID, lead_changed_received

        lead_changed.connect(lead_changed_received, dispatch_uid=DISPATCH_UID)
