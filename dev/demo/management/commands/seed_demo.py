from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dev.demo.services import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ADMIN_TOTP_SECRET,
    DEMO_COLLEAGUES,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    seed_demo,
)


class Command(BaseCommand):
    help = ("Создаёт демо-аккаунт и рабочее пространство demo с ~300 лидами и их историей "
            "(повторный запуск ничего не дублирует).")

    def handle(self, *args, **options) -> None:
        if settings.APP_ENV == "production":
            raise CommandError("Демо-данные с известными паролями нельзя создавать в production (APP_ENV=production).")
        result = seed_demo()
        if result.leads_created:
            self.stdout.write(f"Создано лидов: {result.leads_created}")
        else:
            self.stdout.write("Демо-данные уже на месте.")
        self.stdout.write(self.style.SUCCESS(f"Демо-кабинет: {result.tenant.url}"))
        self.stdout.write(f"Вход в демо-кабинет: {DEMO_EMAIL} / {DEMO_PASSWORD} (администратор)")
        for email, _, role in DEMO_COLLEAGUES:
            self.stdout.write(f"    и {email} / {DEMO_PASSWORD} ({role.label.lower()})")
        self.stdout.write(f"Админка платформы: {ADMIN_EMAIL} / {ADMIN_PASSWORD}, затем код из приложения-"
                          f"аутентификатора с ключом {ADMIN_TOTP_SECRET} (или: manage.py staff_otp_code {ADMIN_EMAIL})")
