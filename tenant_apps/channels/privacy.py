"""What channels hold about one lead, for its 152-FZ export and erasure (registered with ``leads.privacy``)."""

from typing import Any

from django.db.models import Q

from tenant_apps.leads.models import Lead
from tenant_apps.leads.privacy import ERASED_TEXT, Traces, iso, person

from .models import Booking, BookingShortLink, Channel, ContactToken, Conversation, DeliveryAttempt, InboundMessage

CANCELLED = "Не отправлено: персональные данные лида удалены."


def export(lead: Lead) -> dict[str, Any]:
    conversations = Conversation.objects.filter(lead=lead).prefetch_related("messages").order_by("created_at", "id")
    attempts = DeliveryAttempt.objects.filter(lead=lead).select_related("author").order_by("created_at", "id")
    short_link = BookingShortLink.objects.filter(lead=lead).first()
    return {
        "conversations": [
            {"provider": conversation.provider, "address": conversation.address,
             "createdAt": iso(conversation.created_at), "lastInboundAt": iso(conversation.last_inbound_at),
             "inboundMessages": [{"provider": message.provider, "providerMessageId": message.provider_message_id,
                                  "receivedAt": iso(message.created_at)} for message in conversation.messages.all()]}
            for conversation in conversations],
        "deliveryAttempts": [
            {"provider": attempt.provider, "recipient": attempt.recipient, "text": attempt.text,
             "template": attempt.template, "status": attempt.status, "error": attempt.error,
             "automatic": attempt.automatic, "author": person(attempt.author), "createdAt": iso(attempt.created_at)}
            for attempt in attempts],
        "contactTokens": [{"createdAt": iso(token.created_at), "expiresAt": iso(token.expires_at),
                           "usedAt": iso(token.used_at)}
                          for token in ContactToken.objects.filter(lead=lead).order_by("created_at", "id")],
        "bookings": [{"uid": booking.uid, "startsAt": iso(booking.starts_at), "status": booking.status,
                      "createdAt": iso(booking.created_at)}
                     for booking in Booking.objects.filter(lead=lead).order_by("created_at", "id")],
        "bookingShortLink": {"code": short_link.code, "createdAt": iso(short_link.created_at)} if short_link else None,
    }


def erase(lead: Lead, traces: Traces) -> None:
    """The chats and addresses go (a new message from the person starts a new lead); the messages stay counted,
    without recipient, text or the provider's id, and one not sent yet is not sent. Staff alerts and test messages
    that name the lead lose their text too."""
    InboundMessage.objects.filter(conversation__lead=lead).delete()
    Conversation.objects.filter(lead=lead).delete()
    ContactToken.objects.filter(lead=lead).delete()
    Booking.objects.filter(lead=lead).delete()
    BookingShortLink.objects.filter(lead=lead).delete()
    contacts = [value for value in (traces.phone, traces.email) if value]
    mentioning = Q(text__regex=traces.card_link.pattern)
    for needle in traces.needles:
        mentioning |= Q(text__contains=needle) | Q(error__contains=needle)
    own = DeliveryAttempt.objects.filter(lead=lead)
    mentions = DeliveryAttempt.objects.filter(Q(lead__isnull=True) & (mentioning | Q(recipient__in=contacts)))
    about = DeliveryAttempt.objects.filter(pk__in=list(mentions.values_list("pk", flat=True)))  # before texts change
    for attempts in (own, about):
        attempts.filter(status=DeliveryAttempt.Status.PENDING).update(status=DeliveryAttempt.Status.FAILED,
                                                                      error=CANCELLED)
        attempts.update(text=ERASED_TEXT, template=None)
        attempts.exclude(error=CANCELLED).update(error="")
    own.update(recipient="", provider_message_id="")
    about.filter(recipient__in=contacts).update(recipient="", provider_message_id="")
    for needle in contacts:
        Channel.objects.filter(last_error__contains=needle).update(last_error="")
