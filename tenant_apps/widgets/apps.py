from django.apps import AppConfig


class WidgetsConfig(AppConfig):
    name = "tenant_apps.widgets"
    label = "widgets"
    verbose_name = "Виджет"
