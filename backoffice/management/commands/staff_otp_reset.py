from django.core.management.base import BaseCommand, CommandError

from backoffice import two_factor
from shared_apps.accounts.models import User


class Command(BaseCommand):
    help = ("Сбрасывает второй фактор сотрудника платформы (потерян телефон): при следующем входе в админку "
            "он подключит приложение-аутентификатор заново.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="e-mail сотрудника")

    def handle(self, *args, email: str, **options) -> None:
        user = User.objects.filter(email__iexact=email.strip(), is_staff=True).first()
        if user is None:
            raise CommandError(f"Сотрудник платформы {email} не найден.")
        deleted = two_factor.reset(user)
        self.stdout.write(self.style.SUCCESS(
            f"Второй фактор {user.email} сброшен (удалено устройств: {deleted}). Следующий вход в админку "
            "начнётся с подключения приложения-аутентификатора."))
