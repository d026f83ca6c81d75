from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "tenant_apps.channels"
    label = "channels"
    verbose_name = "Каналы"

    def ready(self) -> None:
        from tenant_apps.leads.actions import set_reply_handler
        from tenant_apps.leads.signals import lead_accepted

        from .conversation import reply
        from .first_contact import on_lead_accepted

        lead_accepted.connect(on_lead_accepted, dispatch_uid="channels.first_contact")
        set_reply_handler(reply)  # a member's «reply» action on a lead (leads may not import channels)

        from tenant_apps.leads import privacy as lead_privacy

        from . import privacy

        lead_privacy.register("channels", privacy.export, privacy.erase)  # a lead's 152-FZ export and erasure
