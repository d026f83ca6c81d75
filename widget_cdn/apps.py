from django.apps import AppConfig


class WidgetCdnConfig(AppConfig):
    name = "widget_cdn"
    verbose_name = "Виджет: публикация"

    def ready(self) -> None:
        from shared_apps.tenancy.models import Tenant
        from shared_apps.tenancy.signals import tenant_provisioned
        from tenant_apps.widgets.models import WidgetConfig
        from tenant_apps.widgets.publishing import widget_saved

        from . import services

        widget_saved.connect(services.publish_saved_widget, sender=WidgetConfig, dispatch_uid="widget_cdn.publish")
        tenant_provisioned.connect(services.publish_default_widget, sender=Tenant, dispatch_uid="widget_cdn.default")
