from django.apps import AppConfig


class DevmailConfig(AppConfig):
    name = "dev.mailbox"
    label = "devmail"
    verbose_name = "Почтовый ящик разработчика"
