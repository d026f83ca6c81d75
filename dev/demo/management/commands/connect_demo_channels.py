from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dev.demo.channels import connect_demo_channels
from shared_apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = ("Подключает к демо-кабинету SMS (Twilio), e-mail (SendGrid) и Telegram из песочницы каналов — "
            "с живой проверкой ключей; ждёт, пока песочница ответит.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wait", type=float, default=0, help="сколько секунд ждать песочницу (по умолчанию 0)")

    def handle(self, *args, **options) -> None:
        if settings.APP_ENV == "production":
            raise CommandError("Демо-каналы подключаются только к песочнице, не в production (APP_ENV=production).")
        try:
            outcomes = connect_demo_channels(wait_seconds=options["wait"])
        except Tenant.DoesNotExist as exc:
            raise CommandError("Демо-кабинета нет: сначала выполните manage.py seed_demo.") from exc
        for outcome in outcomes:
            line = f"Демо-канал {outcome.provider}: {outcome.text}"
            self.stdout.write(self.style.SUCCESS(line) if outcome.ok else self.style.WARNING(line))
