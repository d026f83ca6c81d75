from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BackofficeConfig(AppConfig):
    """The platform admin for Fast Lead's own staff (public host, /admin): two-factor sign-in, customers' accounts
    and workspaces with their actions, the business metrics."""

    name = "backoffice"
    verbose_name = "Управление платформой"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.metrics import register_collector

        from .metrics import BusinessCollector

        register_collector(BusinessCollector(), source="business")


class PlatformAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin (label ``admin``) whose default site is the platform's: ``admin.site`` stays the one
    registry every app's ``@admin.register`` fills, and its sign-in asks for the second factor."""

    default = False  # backoffice's own app is BackofficeConfig; settings name this one explicitly
    default_site = "backoffice.site.PlatformAdminSite"
