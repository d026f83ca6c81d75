from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "tenant_apps.leads"
    label = "leads"
    verbose_name = "Лиды"
