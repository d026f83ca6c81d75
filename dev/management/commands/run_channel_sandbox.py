from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dev.channel_sandbox import BLOCKED_CHAT, DEFAULT_TELEGRAM, DEFAULT_TWILIO, STARTED_CHAT, ChannelSandbox


def _default_address() -> tuple[str, int]:
    parts = urlsplit(settings.CHANNEL_SANDBOX_URL or "http://127.0.0.1:8027")
    return parts.hostname or "127.0.0.1", parts.port or 8027


class Command(BaseCommand):
    help = "Запускает локальную песочницу каналов (Twilio и Telegram Bot API) для разработки: только loopback."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        host, port = _default_address()
        parser.add_argument("--host", default=host, help=f"адрес loopback (по умолчанию {host})")
        parser.add_argument("--port", type=int, default=port, help=f"порт (по умолчанию {port})")

    def handle(self, *args, host: str, port: int, **options) -> None:
        if settings.APP_ENV == "production":
            raise CommandError("Песочница каналов не запускается в production (APP_ENV=production).")
        try:
            server = ChannelSandbox((host, port))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Не удалось открыть {host}:{port}: {exc.strerror or exc}") from exc
        base = server.base_url
        sid, token, sender = DEFAULT_TWILIO
        self.stdout.write(self.style.SUCCESS(f"Песочница каналов: {base}"))
        self.stdout.write(f"  Twilio: {base}/twilio — Account SID {sid}, Auth Token {token}, номер {sender}")
        self.stdout.write(f"  Telegram: {base}/telegram — токен бота {DEFAULT_TELEGRAM}, "
                          f"чат {STARTED_CHAT} принимает сообщения, {BLOCKED_CHAT} заблокировал бота")
        self.stdout.write(f"  Отправленные сообщения: {base}/_sandbox/messages")
        for name, value, expected in (("TWILIO_API_URL", settings.TWILIO_API_URL, f"{base}/twilio"),
                                      ("TELEGRAM_API_URL", settings.TELEGRAM_API_URL, f"{base}/telegram")):
            if value.rstrip("/") != expected:
                self.stderr.write(self.style.WARNING(f"  {name}={value} указывает не на эту песочницу"))
        self.stdout.write("Остановить: Ctrl+C.")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
