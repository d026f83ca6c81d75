from core.errors import NotFound

from .models import FIRST_CONTACT_KINDS, Channel, DeliveryAttempt
from .transport import transport_class


def channels() -> list[Channel]:
    return list(Channel.objects.all())


def channel(channel_id: int) -> Channel:
    found = Channel.objects.filter(pk=channel_id).first()
    if found is None:
        raise NotFound("Канал не найден.")
    return found


def greeting(lead_id: int) -> DeliveryAttempt | None:
    """The lead's greeting: the first message the product sent it on its own (None while none was written)."""
    return (DeliveryAttempt.objects.filter(lead_id=lead_id, automatic=True).select_related("channel")
            .order_by("created_at", "id").first())


def visitor_kinds() -> list[str]:
    """Kinds of the channels (not disabled) that can reach a web form's visitor: those that write to the form's
    phone or e-mail first, and bots that take messages (the visitor opens the bot by a link from the widget)."""
    kinds = []
    for found in Channel.objects.exclude(status=Channel.Status.DISABLED):
        cls = transport_class(found.provider)
        if cls is not None and (found.kind in FIRST_CONTACT_KINDS or cls.inbound):
            kinds.append(found.kind)
    return kinds
