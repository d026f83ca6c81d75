from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from shared_apps.tenancy import pool


class Command(BaseCommand):
    help = "Пополнить запас готовых схем рабочих пространств (устаревшие удаляются), как это делает задача Celery."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", type=int, default=None,
                            help=f"сколько схем держать готовыми (по умолчанию {settings.TENANT_SCHEMA_POOL_SIZE})")

    def handle(self, *args, size: int | None = None, **options) -> None:
        made = pool.refill(size)
        ready = pool.PooledSchema.objects.count()
        self.stdout.write(f"Запас схем: создано {made}, готово {ready}.")
