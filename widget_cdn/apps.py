from django.apps import AppConfig


class WidgetCdnConfig(AppConfig):
    name = "widget_cdn"
    verbose_name = "Виджет: публикация"
