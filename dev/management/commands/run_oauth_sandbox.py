from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dev.oauth_sandbox import SandboxServer


def _default_address() -> tuple[str, int]:
    parts = urlsplit(settings.OAUTH_SANDBOX_URL or "http://127.0.0.1:8025")
    return parts.hostname or "127.0.0.1", parts.port or 8025


class Command(BaseCommand):
    help = "Запускает локальную OAuth-песочницу (Google и Яндекс) для разработки: только loopback."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        host, port = _default_address()
        parser.add_argument("--host", default=host, help=f"адрес loopback (по умолчанию {host})")
        parser.add_argument("--port", type=int, default=port, help=f"порт (по умолчанию {port})")

    def handle(self, *args, host: str, port: int, **options) -> None:
        if settings.APP_ENV == "production":
            raise CommandError("OAuth-песочница не запускается в production (APP_ENV=production).")
        clients = {
            "google": (settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY, settings.SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET),
            "yandex": (settings.SOCIAL_AUTH_YANDEX_OAUTH2_KEY, settings.SOCIAL_AUTH_YANDEX_OAUTH2_SECRET),
        }
        try:
            server = SandboxServer((host, port), clients)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Не удалось открыть {host}:{port}: {exc.strerror or exc}") from exc
        base = server.base_url
        self.stdout.write(self.style.SUCCESS(f"OAuth-песочница: {base}"))
        self.stdout.write(f"  Google: {base}/google   Яндекс: {base}/yandex")
        for name, value in (("GOOGLE_OAUTH_BASE_URL", settings.GOOGLE_OAUTH_BASE_URL),
                            ("YANDEX_OAUTH_BASE_URL", settings.YANDEX_OAUTH_BASE_URL)):
            if value and not value.startswith(base):
                self.stderr.write(self.style.WARNING(f"  {name}={value} указывает не на эту песочницу"))
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
