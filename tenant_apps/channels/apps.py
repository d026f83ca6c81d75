from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "tenant_apps.channels"
    label = "channels"
    verbose_name = "Каналы"
