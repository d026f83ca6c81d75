from django.conf import settings
from django.db import models

from core.channel_kinds import Source as Channel  # where a lead came from: the web form or a channel kind


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "Новый"
        CONTACTED = "contacted", "Связались"
        BOOKED = "booked", "Записан"
        LOST = "lost", "Потерян"

    class LostReason(models.TextChoices):
        NO_ANSWER = "no_answer", "Не отвечает"
        CHANGED_MIND = "changed_mind", "Передумал"
        PRICE = "price", "Не устроила цена"
        COMPETITOR = "competitor", "Выбрал другую компанию"
        NOT_OUR_SERVICE = "not_our_service", "Нужна услуга, которой нет"
        SPAM = "spam", "Спам или ошибочная заявка"
        OTHER = "other", "Другое"

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
    escalated_at = models.DateTimeField("эскалирован", null=True, blank=True)
    lost_reason = models.CharField("причина потери", max_length=20, choices=LostReason.choices, blank=True)
    # 152-FZ: when the lead's personal data was erased (privacy.erase); the row stays for the statistics.
    erased_at = models.DateTimeField("персональные данные удалены", null=True, blank=True)
    updated_at = models.DateTimeField("изменён", auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "лид"
        verbose_name_plural = "лиды"
        # (created_at, id): the list's default order and the API cursor's row comparison walk it from the cursor.
        indexes = [models.Index(fields=["status", "-created_at"]), models.Index(fields=["channel", "-created_at"]),
                   models.Index(fields=["-created_at", "-id"], name="leads_lead_created_id_idx")]

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
        ASSIGNED = "assigned", "Назначен ответственный"
        ESCALATED = "escalated", "Эскалация"
        ERASED = "erased", "Персональные данные удалены"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("тип", max_length=20, choices=Kind.choices)
    text = models.CharField("описание", max_length=500, blank=True)
    channel = models.CharField("канал", max_length=16, choices=Channel.choices, blank=True)
    request_id = models.CharField("id запроса", max_length=128, blank=True)
    # Who did it: a member for the cabinet's and the API's actions, none for the system's own steps.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="сотрудник", null=True, blank=True,
                              on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
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


class SavedView(models.Model):
    """A member's named set of the list's filters (the list's query string), shown only to that member."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                             related_name="+")
    name = models.CharField("название", max_length=60)
    query = models.CharField("фильтры", max_length=2000, blank=True)
    created_at = models.DateTimeField("создан", auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "сохранённый вид"
        verbose_name_plural = "сохранённые виды"
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="leads_savedview_user_name")]

    def __str__(self) -> str:
        return self.name


class ExportJob(models.Model):
    """A large export built by a worker: its progress for the page, then a file behind an expiring link."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class Status(models.TextChoices):
        QUEUED = "queued", "В очереди"
        RUNNING = "running", "Формируется"
        DONE = "done", "Готов"
        FAILED = "failed", "Ошибка"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                             related_name="+")
    format = models.CharField("формат", max_length=8, choices=Format.choices)
    filters = models.JSONField("фильтры", default=dict)  # selectors.LeadFilters' fields (exports.filters_to_json)
    unmasked = models.BooleanField("полные контакты", default=False)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("всего строк", default=0)
    done = models.PositiveIntegerField("готово строк", default=0)
    file = models.CharField("файл", max_length=300, blank=True)
    token = models.CharField("ключ ссылки", max_length=64, unique=True)
    error = models.CharField("ошибка", max_length=500, blank=True)
    created_at = models.DateTimeField("создан", auto_now_add=True)
    finished_at = models.DateTimeField("готов", null=True, blank=True)
    expires_at = models.DateTimeField("ссылка действует до", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "выгрузка"
        verbose_name_plural = "выгрузки"

    def __str__(self) -> str:
        return f"Выгрузка {self.pk} ({self.format})"
