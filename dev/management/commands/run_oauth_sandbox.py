from django.conf import settings

from dev.oauth_sandbox import SandboxServer
from dev.sandbox_command import SandboxCommand


class Command(SandboxCommand):
    help = "Запускает локальную OAuth-песочницу (Google и Яндекс) для разработки: только loopback."
    title = "OAuth-песочница"
    url_setting = "OAUTH_SANDBOX_URL"
    default_port = 8025

    def make_server(self, address: tuple[str, int], **options) -> SandboxServer:
        clients = {
            "google": (settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY, settings.SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET),
            "yandex": (settings.SOCIAL_AUTH_YANDEX_OAUTH2_KEY, settings.SOCIAL_AUTH_YANDEX_OAUTH2_SECRET),
        }
        return SandboxServer(address, clients)

    def describe(self, server, **options) -> None:
        base = server.base_url
        self.stdout.write(f"  Google: {base}/google   Яндекс: {base}/yandex")
        urls = {"GOOGLE_OAUTH_BASE_URL": (settings.GOOGLE_OAUTH_BASE_URL, f"{base}/google"),
                "YANDEX_OAUTH_BASE_URL": (settings.YANDEX_OAUTH_BASE_URL, f"{base}/yandex")}
        self.warn_unless_pointed_here({name: url for name, url in urls.items() if url[0]})  # empty: the real one
