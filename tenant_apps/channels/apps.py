from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "tenant_apps.channels"
    label = "channels"
    verbose_name = "Каналы"

    def ready(self) -> None:
        from tenant_apps.leads.signals import lead_accepted

        from .first_contact import on_lead_accepted

        lead_accepted.connect(on_lead_accepted, dispatch_uid="channels.first_contact")
