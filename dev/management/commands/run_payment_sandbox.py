from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dev.payment_sandbox import TINKOFF_3DS_CODE, TINKOFF_CARDS, YOOKASSA_3DS_CODE, YOOKASSA_CARDS, PaymentSandbox

DEFAULT_WEBHOOK_URL = "http://localhost:8000/api/v1/billing/webhooks/yookassa"


def _default_address() -> tuple[str, int]:
    parts = urlsplit(settings.PAYMENT_SANDBOX_URL or "http://127.0.0.1:8026")
    return parts.hostname or "127.0.0.1", parts.port or 8026


class Command(BaseCommand):
    help = "Запускает локальную платёжную песочницу (ЮKassa API v3 и Т-Банк API v2) для разработки: только loopback."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        host, port = _default_address()
        parser.add_argument("--host", default=host, help=f"адрес loopback (по умолчанию {host})")
        parser.add_argument("--port", type=int, default=port, help=f"порт (по умолчанию {port})")
        parser.add_argument("--yookassa-webhook-url", default=DEFAULT_WEBHOOK_URL,
                            help=f"куда слать уведомления ЮKassa (по умолчанию {DEFAULT_WEBHOOK_URL})")

    def handle(self, *args, host: str, port: int, yookassa_webhook_url: str, **options) -> None:
        if settings.APP_ENV == "production":
            raise CommandError("Платёжная песочница не запускается в production (APP_ENV=production).")
        if not settings.PAYMENT_SANDBOX_URL:
            raise CommandError("PAYMENT_SANDBOX_URL не задан: песочница выключена в настройках.")
        try:
            server = PaymentSandbox(
                (host, port),
                yookassa_credentials=(settings.YOOKASSA_SHOP_ID, settings.YOOKASSA_SECRET_KEY),
                tinkoff_credentials=(settings.TINKOFF_TERMINAL_KEY, settings.TINKOFF_PASSWORD),
                yookassa_webhook_url=yookassa_webhook_url,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Не удалось открыть {host}:{port}: {exc.strerror or exc}") from exc
        base = server.base_url
        self.stdout.write(self.style.SUCCESS(f"Платёжная песочница: {base}"))
        self.stdout.write(f"  ЮKassa: {base}/yookassa/v3 (shopId {settings.YOOKASSA_SHOP_ID}), "
                          f"уведомления → {yookassa_webhook_url or 'не отправляются'}")
        self.stdout.write(f"  Т-Банк: {base}/tinkoff/v2 (TerminalKey {settings.TINKOFF_TERMINAL_KEY}), "
                          "уведомления → NotificationURL из Init")
        for name, value, expected in (("YOOKASSA_API_URL", settings.YOOKASSA_API_URL, f"{base}/yookassa/v3"),
                                      ("TINKOFF_API_URL", settings.TINKOFF_API_URL, f"{base}/tinkoff/v2")):
            if value.rstrip("/") != expected:
                self.stderr.write(self.style.WARNING(f"  {name}={value} указывает не на эту песочницу"))
        self.stdout.write(f"Тестовые карты ЮKassa (код 3-D Secure {YOOKASSA_3DS_CODE}):")
        for card in YOOKASSA_CARDS.values():
            self.stdout.write(f"  {card.number}  {card.label}")
        self.stdout.write(f"Тестовые карты Т-Банка (код 3-D Secure {TINKOFF_3DS_CODE}):")
        for card in TINKOFF_CARDS.values():
            self.stdout.write(f"  {card.number}  {card.label}")
        self.stdout.write("Срок — любой будущий, CVC — любые три цифры. Остановить: Ctrl+C.")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
