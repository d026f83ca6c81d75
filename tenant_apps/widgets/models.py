from django.db import models

from core.channel_kinds import WEB

DEFAULT_CONSENT_TEXT = (
    "Я даю согласие на обработку моих персональных данных (имя, телефон, e-mail) для связи по моей заявке "
    "в соответствии с Федеральным законом № 152-ФЗ «О персональных данных»."
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def default_business_hours() -> dict:
    workday = [["09:00", "20:00"]]
    return {"enabled": False, "days": {day: (workday if day not in ("sat", "sun") else []) for day in WEEKDAYS}}


def default_quick_replies() -> list[str]:
    return ["Узнать цену", "Записаться", "Задать вопрос"]


def default_channels() -> list[str]:
    return [WEB]


class WidgetConfig(models.Model):
    """The workspace's widget (one row per schema). ``version`` grows on every save (optimistic locking)."""

    class Theme(models.TextChoices):
        LIGHT = "light", "Светлая"
        DARK = "dark", "Тёмная"

    class Position(models.TextChoices):
        RIGHT = "right", "Справа"
        LEFT = "left", "Слева"

    primary_color = models.CharField("основной цвет", max_length=7, default="#2563eb")
    theme = models.CharField("тема", max_length=8, choices=Theme.choices, default=Theme.LIGHT)
    position = models.CharField("положение", max_length=8, choices=Position.choices, default=Position.RIGHT)
    button_label = models.CharField("текст кнопки", max_length=40, default="Оставить заявку")
    title = models.CharField("заголовок", max_length=80, blank=True)
    greeting = models.CharField(
        "приветствие", max_length=300,
        default="Здравствуйте! Оставьте контакты — мы перезвоним в течение 5 минут.",
    )
    quick_replies = models.JSONField("быстрые ответы", default=default_quick_replies, blank=True)
    success_message = models.CharField(
        "сообщение после отправки", max_length=300, default="Спасибо! Мы свяжемся с вами в ближайшее время."
    )
    off_hours_message = models.CharField(
        "сообщение в нерабочее время", max_length=300,
        default="Сейчас мы не работаем, но заявку примем — перезвоним в рабочее время.",
    )
    logo = models.CharField("логотип (путь в хранилище)", max_length=300, blank=True)
    avatar = models.CharField("аватар оператора (путь в хранилище)", max_length=300, blank=True)
    channels = models.JSONField("каналы для посетителей", default=default_channels)
    consent_text = models.TextField("текст согласия (152-ФЗ)", max_length=2000, default=DEFAULT_CONSENT_TEXT)
    privacy_policy_url = models.URLField("политика конфиденциальности", max_length=500, blank=True)
    marketing_enabled = models.BooleanField("спрашивать согласие на рассылку", default=False)
    marketing_text = models.CharField(
        "текст согласия на рассылку", max_length=500, default="Согласен получать новости и специальные предложения."
    )
    business_hours = models.JSONField("часы работы", default=default_business_hours)
    version = models.PositiveIntegerField("версия", default=1)
    updated_at = models.DateTimeField("изменено", auto_now=True)
    updated_by_id = models.BigIntegerField("кем изменено (id)", null=True, blank=True)
    updated_by_name = models.CharField("кем изменено", max_length=150, blank=True)

    class Meta:
        verbose_name = "настройки виджета"
        verbose_name_plural = "настройки виджета"

    def __str__(self) -> str:
        return f"Виджет v{self.version}"


class MediaFile(models.Model):
    """One file this workspace keeps in the media storage; their sizes add up to the workspace's quota."""

    class Kind(models.TextChoices):
        LOGO = "logo", "Логотип"
        AVATAR = "avatar", "Аватар оператора"

    kind = models.CharField("назначение", max_length=16, choices=Kind.choices)
    path = models.CharField("путь в хранилище", max_length=300, unique=True)
    size = models.PositiveBigIntegerField("размер, байт")
    created_at = models.DateTimeField("загружен", auto_now_add=True)

    class Meta:
        verbose_name = "файл"
        verbose_name_plural = "файлы"

    def __str__(self) -> str:
        return self.path
