import secrets

from django.db import models


def new_public_key() -> str:
    return secrets.token_urlsafe(16)


class WidgetPublication(models.Model):
    """The published widget config of a workspace, kept in the public schema.

    The widget on a client's site reads it by public key, so serving it never
    touches the tenant's schema.
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
