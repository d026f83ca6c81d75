from django.conf import settings

from dev.channel_sandbox import BLOCKED_CHAT, DEFAULT_TELEGRAM, DEFAULT_TWILIO, STARTED_CHAT, ChannelSandbox
from dev.sandbox_command import SandboxCommand


class Command(SandboxCommand):
    help = "Запускает локальную песочницу каналов (Twilio и Telegram Bot API) для разработки: только loopback."
    title = "Песочница каналов"
    url_setting = "CHANNEL_SANDBOX_URL"
    default_port = 8027

    def make_server(self, address: tuple[str, int], **options) -> ChannelSandbox:
        return ChannelSandbox(address)

    def describe(self, server, **options) -> None:
        base = server.base_url
        sid, token, sender = DEFAULT_TWILIO
        self.stdout.write(f"  Twilio: {base}/twilio — Account SID {sid}, Auth Token {token}, номер {sender}")
        self.stdout.write(f"  Telegram: {base}/telegram — токен бота {DEFAULT_TELEGRAM}, "
                          f"чат {STARTED_CHAT} принимает сообщения, {BLOCKED_CHAT} заблокировал бота")
        self.stdout.write(f"  Отправленные сообщения: {base}/_sandbox/messages")
        self.warn_unless_pointed_here({
            "TWILIO_API_URL": (settings.TWILIO_API_URL, f"{base}/twilio"),
            "TELEGRAM_API_URL": (settings.TELEGRAM_API_URL, f"{base}/telegram"),
        })
        self.stdout.write("Остановить: Ctrl+C.")
