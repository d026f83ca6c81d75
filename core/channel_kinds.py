"""The one list of the kinds of messaging channels, and of the ways a lead reaches a workspace (the web form and
the kinds). Leads, widgets and channels all read it; the providers of each kind are listed in
``tenant_apps.channels.kinds``."""

from django.db import models


class Kind(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "E-mail"
    TELEGRAM = "telegram", "Telegram"
    WHATSAPP = "whatsapp", "WhatsApp"
    MAX = "max", "MAX"


WEB = "web"
WEB_LABEL = "Веб-форма"

# A lead's source and preferred way of contact: the web form or a channel kind.
Source = models.TextChoices(  # type: ignore[call-overload]
    "Source", [("WEB", (WEB, WEB_LABEL)), *((kind.name, (kind.value, kind.label)) for kind in Kind)])

