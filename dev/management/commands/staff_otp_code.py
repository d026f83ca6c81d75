from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = ("Печатает текущий код второго фактора сотрудника платформы (только для разработки: вход в админку "
            "без приложения-аутентификатора).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="e-mail сотрудника, например admin@fastlead.ru")

    def handle(self, *args, email: str, **options) -> None:
        device = (TOTPDevice.objects.filter(user__email__iexact=email.strip(), confirmed=True)
                  .order_by("pk").first())
        if device is None:
            raise CommandError(f"У {email} нет подключённого приложения-аутентификатора.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
