from django.db import models


class OutboxMessage(models.Model):
    """A task that must happen, written in the same transaction as the data it is about.

    The relay (``manage.py relay_outbox``) hands it to Celery; a worker runs its handler once and marks it done.
    The table is in the public schema, which every workspace's connection also sees, so a lead in a workspace
    schema and its message commit together.
    """

    handler = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    schema_name = models.CharField(max_length=63)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    available_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "задача в очереди отправки"
        verbose_name_plural = "очередь отправки (outbox)"
        indexes = [
            models.Index(
                fields=["available_at"], name="outbox_pending",
                condition=models.Q(done_at__isnull=True, failed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.handler} #{self.pk}"
