"""What every ``run_*_sandbox`` command does: a loopback address from the sandbox's settings URL, refused in
production, the server's addresses printed, served until Ctrl+C."""

from abc import ABCMeta, abstractmethod
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from .sandbox_http import LoopbackServer


class SandboxCommand(BaseCommand, metaclass=ABCMeta):
    title: str  # «OAuth-песочница»: how the messages name the sandbox
    url_setting: str  # the settings name of the sandbox's base URL
    default_port: int
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parts = urlsplit(getattr(settings, self.url_setting) or f"http://127.0.0.1:{self.default_port}")
        host, port = parts.hostname or "127.0.0.1", parts.port or self.default_port
        parser.add_argument("--host", default=host, help=f"адрес loopback (по умолчанию {host})")
        parser.add_argument("--port", type=int, default=port, help=f"порт (по умолчанию {port})")

    def handle(self, *args, host: str, port: int, **options) -> None:
        if settings.APP_ENV == "production":
            raise CommandError(f"{self.title} не запускается в production (APP_ENV=production).")
        try:
            server = self.make_server((host, port), **options)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Не удалось открыть {host}:{port}: {exc.strerror or exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{self.title}: {server.base_url}"))
        self.describe(server, **options)
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.close(server)

    @abstractmethod
    def make_server(self, address: tuple[str, int], **options) -> LoopbackServer:
        """The sandbox on ``address``; ValueError for an address off loopback."""

    def describe(self, server: LoopbackServer, **options) -> None:
        """What a developer needs to use the sandbox: endpoints, test credentials."""

    def close(self, server: LoopbackServer) -> None:
        server.server_close()

    def warn_unless_pointed_here(self, urls: dict[str, tuple[str, str]]) -> None:
        """``{setting name: (its value, the URL it should have)}``: a warning for each setting elsewhere."""
        for name, (value, expected) in urls.items():
            if value.rstrip("/") != expected:
                self.stderr.write(self.style.WARNING(f"  {name}={value} указывает не на эту песочницу"))
