from django.conf import settings
from django.core.management.base import BaseCommand

from core.database import ensure_database


class Command(BaseCommand):
    help = "Создаёт базу данных PostgreSQL из DATABASE_URL, если её ещё нет."

    def handle(self, *args, **options) -> None:
        db = settings.DATABASES["default"]
        if ensure_database(db):
            self.stdout.write(f"База данных {db['NAME']} создана.")
        else:
            self.stdout.write(f"База данных {db['NAME']} уже существует.")
