from django.conf import settings

from dev.channel_sandbox import (
    BLOCKED_CHAT,
    DEFAULT_CALCOM,
    DEFAULT_SMSC,
    DEFAULT_SMTP,
    DEFAULT_TELEGRAM,
    DEFAULT_TWILIO,
    STARTED_CHAT,
    UNDELIVERABLE,
    UNKNOWN_MAILBOX,
    ChannelSandbox,
)
from dev.sandbox_command import SandboxCommand


class Command(SandboxCommand):
    help = ("Запускает локальную песочницу каналов (SMS, e-mail, Telegram, WhatsApp, MAX и Cal.com) для разработки: "
            "только loopback.")
    title = "Песочница каналов"
    url_setting = "CHANNEL_SANDBOX_URL"
    default_port = 8027
    default_smtp_port = 8028

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--smtp-port", type=int, default=self.default_smtp_port,
                            help=f"порт SMTP-сервера песочницы (по умолчанию {self.default_smtp_port})")

    def make_server(self, address: tuple[str, int], **options) -> ChannelSandbox:
        return ChannelSandbox(address, smtp_port=options["smtp_port"])

    def describe(self, server, **options) -> None:
        base = server.base_url
        sid, token, sender = DEFAULT_TWILIO
        self.stdout.write(f"  Twilio: {base}/twilio — Account SID {sid}, Auth Token {token}, номер {sender}")
        self.stdout.write(f"  Telegram: {base}/telegram — токен бота {DEFAULT_TELEGRAM}, "
                          f"чат {STARTED_CHAT} принимает сообщения, {BLOCKED_CHAT} заблокировал бота")
        login, password, sender_name = DEFAULT_SMSC
        self.stdout.write(f"  SMSC.ru: {base}/smsc — логин {login}, пароль {password}, отправитель {sender_name}, "
                          f"номер {UNDELIVERABLE} недоставим")
        user, password, from_email = DEFAULT_SMTP
        self.stdout.write(f"  SMTP: сервер {server.server_address[0]}, порт {server.smtp_port}, шифрование none, "
                          f"логин {user}, пароль {password}, адрес отправителя {from_email}; "
                          f"{UNKNOWN_MAILBOX} не существует")
        self.stdout.write(f"  Cal.com: {base}/calcom — API-ключ {DEFAULT_CALCOM}, типы встреч 7001 и 7002; запись "
                          "клиента — POST /_sandbox/inbound {\"provider\": \"calcom\", \"url\", \"secret\", "
                          "\"bookingUrl\", \"start\"}")
        self.stdout.write(f"  Отправленные сообщения: {base}/_sandbox/messages")
        self.warn_unless_pointed_here({
            "SMSC_API_URL": (settings.SMSC_API_URL, f"{base}/smsc"),
            "TWILIO_API_URL": (settings.TWILIO_API_URL, f"{base}/twilio"),
            "TELEGRAM_API_URL": (settings.TELEGRAM_API_URL, f"{base}/telegram"),
            "CALCOM_API_URL": (settings.CALCOM_API_URL, f"{base}/calcom"),
        })
        self.stdout.write("Остановить: Ctrl+C.")
