from django.db import models


class DevMessage(models.Model):
    """A copy of an outgoing e-mail, kept only where the dev mailbox is enabled."""

    to = models.CharField("кому", max_length=500)
    subject = models.CharField("тема", max_length=300)
    text = models.TextField("текст")
    html = models.TextField("HTML", blank=True)
    created_at = models.DateTimeField("отправлено", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "письмо"
        verbose_name_plural = "письма"

    def __str__(self) -> str:
        return self.subject
