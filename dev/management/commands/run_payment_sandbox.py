from django.conf import settings
from django.core.management.base import CommandError

from dev.payment_sandbox import TINKOFF_3DS_CODE, TINKOFF_CARDS, YOOKASSA_3DS_CODE, YOOKASSA_CARDS, PaymentSandbox
from dev.sandbox_command import SandboxCommand

DEFAULT_WEBHOOK_URL = "http://localhost:8000/api/v1/billing/webhooks/yookassa"


class Command(SandboxCommand):
    help = "Запускает локальную платёжную песочницу (ЮKassa API v3 и Т-Банк API v2) для разработки: только loopback."
    title = "Платёжная песочница"
    url_setting = "PAYMENT_SANDBOX_URL"
    default_port = 8026

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--yookassa-webhook-url", default=DEFAULT_WEBHOOK_URL,
                            help=f"куда слать уведомления ЮKassa (по умолчанию {DEFAULT_WEBHOOK_URL})")

    def make_server(self, address: tuple[str, int], **options) -> PaymentSandbox:
        if not settings.PAYMENT_SANDBOX_URL:
            raise CommandError("PAYMENT_SANDBOX_URL не задан: песочница выключена в настройках.")
        return PaymentSandbox(
            address,
            yookassa_credentials=(settings.YOOKASSA_SHOP_ID, settings.YOOKASSA_SECRET_KEY),
            tinkoff_credentials=(settings.TINKOFF_TERMINAL_KEY, settings.TINKOFF_PASSWORD),
            yookassa_webhook_url=options["yookassa_webhook_url"],
        )

    def describe(self, server, **options) -> None:
        base, yookassa_webhook_url = server.base_url, options["yookassa_webhook_url"]
        self.stdout.write(f"  ЮKassa: {base}/yookassa/v3 (shopId {settings.YOOKASSA_SHOP_ID}), "
                          f"уведомления → {yookassa_webhook_url or 'не отправляются'}")
        self.stdout.write(f"  Т-Банк: {base}/tinkoff/v2 (TerminalKey {settings.TINKOFF_TERMINAL_KEY}), "
                          "уведомления → NotificationURL из Init")
        self.warn_unless_pointed_here({
            "YOOKASSA_API_URL": (settings.YOOKASSA_API_URL, f"{base}/yookassa/v3"),
            "TINKOFF_API_URL": (settings.TINKOFF_API_URL, f"{base}/tinkoff/v2"),
        })
        self.stdout.write(f"Тестовые карты ЮKassa (код 3-D Secure {YOOKASSA_3DS_CODE}):")
        for card in YOOKASSA_CARDS.values():
            self.stdout.write(f"  {card.number}  {card.label}")
        self.stdout.write(f"Тестовые карты Т-Банка (код 3-D Secure {TINKOFF_3DS_CODE}):")
        for card in TINKOFF_CARDS.values():
            self.stdout.write(f"  {card.number}  {card.label}")
        self.stdout.write("Срок — любой будущий, CVC — любые три цифры. Остановить: Ctrl+C.")

    def close(self, server) -> None:
        server.stop()
