from django.apps import AppConfig


class WidgetCdnConfig(AppConfig):
    name = "widget_cdn"
    verbose_name = "Виджет: публикация"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from billing.models import Subscription
        from shared_apps.tenancy.models import Tenant
        from shared_apps.tenancy.signals import tenant_provisioned
        from tenant_apps.widgets.models import WidgetConfig
        from tenant_apps.widgets.publishing import widget_saved

        from . import edge, services
        from .models import PublishedConfig, WidgetPublication

        widget_saved.connect(services.publish_saved_widget, sender=WidgetConfig, dispatch_uid="widget_cdn.publish")
        tenant_provisioned.connect(services.publish_default_widget, sender=Tenant, dispatch_uid="widget_cdn.default")
        # Whatever an answer stored in Redis says is forgotten when it changes (widget_cdn.edge).
        for model, receiver in ((WidgetPublication, edge.publication_changed), (PublishedConfig, edge.version_changed),
                                (Tenant, edge.tenant_changed), (Subscription, edge.subscription_changed)):
            post_save.connect(receiver, sender=model)
            post_delete.connect(receiver, sender=model)
