import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from .kinds import PROVIDER_CHOICES, Kind

CONTACT_TOKEN_LIFETIME = timedelta(days=7)
# The kinds that may write to a lead first (reference §11): a Telegram or MAX bot waits for the visitor.
FIRST_CONTACT_KINDS = (Kind.SMS, Kind.EMAIL, Kind.WHATSAPP)


def new_inbound_key() -> str:
    return secrets.token_urlsafe(24)


def new_contact_token() -> str:
    return secrets.token_urlsafe(16)


def new_link_code() -> str:
    return secrets.token_urlsafe(6)  # 8 characters, 48 random bits: short enough for an SMS, not guessable


def contact_token_expiry() -> datetime:
    return timezone.now() + CONTACT_TOKEN_LIFETIME


class Channel(models.Model):
    """A provider connected to this workspace; one per provider."""

    class Status(models.TextChoices):
        CONNECTED = "connected", "Подключен"
        ERROR = "error", "Ошибка"
        DISABLED = "disabled", "Отключен"

    provider = models.CharField(max_length=16, choices=PROVIDER_CHOICES, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONNECTED)
    # A Fernet token of the credentials' JSON (crypto.py); the plain values are never stored.
    credentials_token = models.TextField()
    secret_hint = models.CharField(max_length=16)  # "••••3f9a"
    last_error = models.CharField(max_length=500, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # The unguessable part of the channel's webhook URL (/channels/inbound/<provider>/<inbound_key>).
    inbound_key = models.CharField(max_length=64, unique=True, default=new_inbound_key, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.get_provider_display()


class DeliveryAttempt(models.Model):
    """One message handed (or not) to a provider; kept when its channel is removed."""

    class Status(models.TextChoices):
        PENDING = "pending", "Отправляется"
        SENT = "sent", "Отправлено"
        FAILED = "failed", "Не отправлено"

    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, related_name="attempts")
    provider = models.CharField(max_length=16, choices=PROVIDER_CHOICES)
    lead = models.ForeignKey("leads.Lead", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="delivery_attempts")
    recipient = models.CharField(max_length=255)
    text = models.TextField()
    # An approved template sent instead of the text ({"name", "language", "parameters"}: WhatsApp's first contact);
    # the text then describes it for the timeline.
    template = models.JSONField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    provider_message_id = models.CharField(max_length=128, blank=True)
    error = models.CharField(max_length=500, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)  # calls to the provider (a pipeline send is retried)
    # Sent by the product on its own (the greeting), not by a person: dropped once the lead has booked.
    automatic = models.BooleanField(default=False)
    # The member who wrote it (an operator's reply): the timeline names them. Users live in the public schema:
    # no database constraint, no cascade across schemas.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                               db_constraint=False, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} → {self.recipient}: {self.status}"


def default_fallback_order() -> list[str]:
    return [str(kind) for kind in FIRST_CONTACT_KINDS]


class ContactPolicy(models.Model):
    """How the workspace greets a new lead; at most one row (absent: the defaults)."""

    fallback_order = models.JSONField("порядок каналов", default=default_fallback_order)  # kinds, after the preferred
    sms_at_night = models.BooleanField("SMS ночью", default=False)  # 21:00–09:00 in the lead's time zone
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "Первое сообщение"


class Conversation(models.Model):
    """A chat, phone or e-mail address through which a lead writes to us and we answer."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="conversations")
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="conversations")
    provider = models.CharField(max_length=16, choices=PROVIDER_CHOICES)
    address = models.CharField(max_length=255)  # chat id, E.164 phone or e-mail we answer to
    last_inbound_at = models.DateTimeField(null=True, blank=True)  # WhatsApp's 24-hour window starts here
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_inbound_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["provider", "address"], name="conversation_provider_address")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.address}"


class ContactToken(models.Model):
    """A one-time payload of a messenger deep link (t.me/bot?start=<token>) that links the chat to its lead."""

    token = models.CharField(max_length=64, unique=True, default=new_contact_token)
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="contact_tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=contact_token_expiry)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token for lead {self.lead_id}"


class InboundMessage(models.Model):
    """A provider's message id already received: a webhook delivered twice is stored once."""

    provider = models.CharField(max_length=16, choices=PROVIDER_CHOICES)
    provider_message_id = models.CharField(max_length=128)
    conversation = models.ForeignKey(Conversation, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="messages")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "provider_message_id"],
                                               name="inbound_message_provider_id")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_message_id}"


class CalendarConnection(models.Model):
    """The workspace's Cal.com account (at most one): leads book a meeting through its booking page."""

    class Status(models.TextChoices):
        CONNECTED = "connected", "Подключен"
        ERROR = "error", "Ошибка"

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    # A Fernet token of {"apiKey", "webhookSecret"} (crypto.py); the plain values are never stored.
    credentials_token = models.TextField()
    secret_hint = models.CharField(max_length=16)  # "••••3f9a" of the API key
    username = models.CharField(max_length=150)
    event_type_id = models.PositiveBigIntegerField()
    event_type_slug = models.CharField(max_length=200)
    event_type_title = models.CharField(max_length=200)
    booking_url = models.URLField(max_length=500)  # the event type's public page, without prefill
    # The unguessable part of the webhook URL (/channels/calcom/<webhook_key>).
    webhook_key = models.CharField(max_length=64, unique=True, default=new_inbound_key, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONNECTED)
    last_error = models.CharField(max_length=500, blank=True)
    last_webhook_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cal.com: {self.event_type_title}"


class Booking(models.Model):
    """A Cal.com booking of a lead, by the booking's public uid; a rescheduled booking gets a new uid."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Запись"
        RESCHEDULED = "rescheduled", "Перенесена"
        CANCELLED = "cancelled", "Отменена"

    uid = models.CharField(max_length=128, unique=True)
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="bookings")
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    event_created_at = models.DateTimeField()  # the ``createdAt`` of the last webhook applied: older ones are stale
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"{self.uid} ({self.status})"


class BookingShortLink(models.Model):
    """A lead's booking page behind a short address for SMS (``/b/<code>`` on the workspace's host): the prefilled
    Cal.com link is about 230 characters, six SMS segments."""

    code = models.CharField(max_length=16, unique=True, default=new_link_code, editable=False)
    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="booking_short_link")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code


class BookingWebhook(models.Model):
    """A Cal.com webhook already applied (sha256 of its raw body): a redelivery changes nothing."""

    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.digest


class StaffChat(models.Model):
    """A member's own chat with the workspace's Telegram bot, for staff alerts. The bot may only write to a chat
    that started it: the member opens the bot by a deep link ``/start staff-<link_token>`` from the profile page,
    and the chat is linked to the member."""

    # Users live in the public schema: no database constraint across schemas.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                                related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    chat_id = models.CharField(max_length=32, blank=True)  # empty until the member opens the bot
    link_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    linked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Чат сотрудника {self.user_id}"
