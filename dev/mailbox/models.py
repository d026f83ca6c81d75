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


class DevAttachment(models.Model):
    """A file attached to a kept e-mail (an invoice PDF, say), downloadable from the dev mailbox."""

    message = models.ForeignKey(DevMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField("имя файла", max_length=255)
    content_type = models.CharField("тип", max_length=100)
    content = models.BinaryField("содержимое")

    class Meta:
        ordering = ["id"]
        verbose_name = "вложение"
        verbose_name_plural = "вложения"

    def __str__(self) -> str:
        return self.filename
