from django.apps import AppConfig


class DevmailConfig(AppConfig):
    name = "shared_apps.devmail"
    label = "devmail"
    verbose_name = "Почтовый ящик разработчика"
