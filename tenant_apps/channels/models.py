from django.db import models

from .kinds import PROVIDER_CHOICES, Kind


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
    idempotency_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    provider_message_id = models.CharField(max_length=128, blank=True)
    error = models.CharField(max_length=500, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)  # calls to the provider (a pipeline send is retried)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} → {self.recipient}: {self.status}"
