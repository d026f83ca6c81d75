from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "dev.demo"
    label = "demo"
    verbose_name = "Демо-данные"
