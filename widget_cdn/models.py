import secrets

from django.db import models


def new_public_key() -> str:
    return secrets.token_urlsafe(16)


class WidgetPublication(models.Model):
    """What a workspace's widget shows right now, kept in the public schema.

    The widget on a client's site reads it by public key, so serving it (and
    checking the intake's origin) never touches the workspace's schema. Every
    published version also stays in ``PublishedConfig``, immutable.
    """

    tenant = models.OneToOneField("tenancy.Tenant", on_delete=models.CASCADE, related_name="widget_publication")
    public_key = models.CharField("публичный ключ", max_length=32, unique=True, default=new_public_key)
    version = models.PositiveIntegerField("версия", default=1)
    config = models.JSONField("опубликованная конфигурация", default=dict)
    published_at = models.DateTimeField("опубликовано", auto_now=True)

    class Meta:
        verbose_name = "публикация виджета"
        verbose_name_plural = "публикации виджетов"

    def __str__(self) -> str:
        return f"{self.tenant} v{self.version}"

    @property
    def etag(self) -> str:
        return f'"{self.public_key}-v{self.version}"'


class PublishedConfig(models.Model):
    """One immutable published version of a widget config (served with a year-long cache)."""

    publication = models.ForeignKey(WidgetPublication, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("версия")
    config = models.JSONField("конфигурация")
    consent_version = models.CharField("версия текста согласия", max_length=40, db_index=True)
    published_at = models.DateTimeField("опубликовано", auto_now_add=True)

    class Meta:
        verbose_name = "версия виджета"
        verbose_name_plural = "версии виджета"
        constraints = [models.UniqueConstraint(fields=["publication", "version"], name="unique_published_version")]

    def __str__(self) -> str:
        return f"{self.publication.public_key} v{self.version}"
