from django.conf import settings
from django.db import models

from core.channel_kinds import Source as Channel  # where a lead came from: the web form or a channel kind


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "Новый"
        CONTACTED = "contacted", "Связались"
        BOOKED = "booked", "Записан"
        LOST = "lost", "Потерян"

    name = models.CharField("имя", max_length=150)
    phone = models.CharField("телефон (E.164)", max_length=20, blank=True)
    email = models.EmailField("e-mail", blank=True)
    channel = models.CharField("канал", max_length=16, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.NEW)
    page_url = models.URLField("страница", max_length=2000, blank=True)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    preferred_channel = models.CharField("удобный канал", max_length=16, choices=Channel.choices, blank=True)
    timezone = models.CharField("часовой пояс клиента", max_length=64, blank=True)  # the visitor's browser's
    created_at = models.DateTimeField("создан", db_index=True)
    first_contact_at = models.DateTimeField("первый контакт", null=True, blank=True)
    booked_at = models.DateTimeField("запись", null=True, blank=True)
    # Users live in the public schema: no database constraint and no cascade across schemas; a departed user's id
    # is ignored by whoever reads it (only current members are notified).
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="ответственный", null=True, blank=True,
                                    on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    updated_at = models.DateTimeField("изменён", auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "лид"
        verbose_name_plural = "лиды"
        indexes = [models.Index(fields=["status", "-created_at"]), models.Index(fields=["channel", "-created_at"])]

    def __str__(self) -> str:
        return self.name


class LeadEvent(models.Model):
    """One entry of a lead's timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", "Лид создан"
        QUEUED = "queued", "Передан в обработку"
        MESSAGE_OUT = "message_out", "Отправлено сообщение"
        MESSAGE_FAILED = "message_failed", "Сообщение не отправлено"
        MESSAGE_POSTPONED = "message_postponed", "Отправка отложена"
        MESSAGE_IN = "message_in", "Получен ответ"
        STATUS_CHANGED = "status_changed", "Статус изменён"
        BOOKED = "booked", "Записан на встречу"
        NOTE = "note", "Заметка"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("тип", max_length=20, choices=Kind.choices)
    text = models.CharField("описание", max_length=500, blank=True)
    channel = models.CharField("канал", max_length=16, choices=Channel.choices, blank=True)
    request_id = models.CharField("id запроса", max_length=128, blank=True)
    created_at = models.DateTimeField("время", db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "событие лида"
        verbose_name_plural = "события лидов"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"


class ConsentRecord(models.Model):
    """152-FZ evidence: what the visitor agreed to, when, from where."""

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, related_name="consent")
    consent_version = models.CharField("версия текста согласия", max_length=40)
    consent_text = models.TextField("текст согласия, показанный посетителю")
    privacy_policy_url = models.URLField("политика конфиденциальности", max_length=500, blank=True)
    personal_data = models.BooleanField("согласие на обработку ПДн")
    marketing = models.BooleanField("согласие на рассылку", default=False)
    given_at = models.DateTimeField("время согласия")
    ip = models.GenericIPAddressField("IP-адрес", null=True, blank=True)
    user_agent = models.CharField("браузер", max_length=500, blank=True)
    page_url = models.URLField("страница", max_length=2000, blank=True)

    class Meta:
        verbose_name = "согласие"
        verbose_name_plural = "согласия"

    def __str__(self) -> str:
        return f"Согласие {self.consent_version} ({self.given_at:%d.%m.%Y})"
