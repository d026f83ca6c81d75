from django.core.management.base import BaseCommand, CommandError

from backoffice import services
from core.text import plural


class Command(BaseCommand):
    help = "Пересчитывает бизнес-метрики за последние N дней (сегодня включительно) из истории подписок и лидов."

    def add_arguments(self, parser) -> None:
        parser.add_argument("days", type=int, help="сколько дней пересчитать, например 365")

    def handle(self, *args, days: int, **options) -> None:
        if not 1 <= days <= 3660:
            raise CommandError("Укажите число дней от 1 до 3660.")
        written = services.backfill(days)
        days_word = plural(written, ("день", "дня", "дней"))
        self.stdout.write(self.style.SUCCESS(f"Бизнес-метрики пересчитаны за {written} {days_word}."))
