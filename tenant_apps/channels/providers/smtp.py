"""Any mail server over SMTP submission (reference §3): SSL/TLS (port 465) or STARTTLS (587), then AUTH.

The check logs in and quits without MAIL FROM. A message's Message-ID is made of its idempotency key, so a retry
of the same message is recognisable. The host is the tenant's: it is resolved once, refused in production when any
of its addresses is not public (no probing of our network), and the connection goes to the address we vetted while
TLS still verifies the host name. Without encryption only loopback (the local sandbox) is allowed.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import Policy
from email.utils import formatdate

from django.conf import settings

from ..kinds import Kind
from ..transport import (
    AuthError,
    CredentialField,
    CredentialsRejected,
    Delivery,
    Message,
    PermanentError,
    TemporaryError,
    Transport,
    TransportError,
)
from . import mail


@dataclass(frozen=True)
class EncodedSubject:
    """The Subject header encoded by ``email.header``: the default policy folds a long Cyrillic subject with the
    space between two encoded words outside them, where every reader drops it (RFC 2047 §6.2)."""

    text: str
    name: str = "Subject"

    def fold(self, *, policy: Policy) -> str:
        encoded = Header(self.text, "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"

    def __str__(self) -> str:
        return self.text


PORT = r"(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])"
PUBLIC_PORTS = (25, 465, 587, 2525)
REJECTED = ("SMTP-сервер не принял логин и пароль (ошибка 535): проверьте их; Яндекс, Mail.ru и Gmail требуют "
            "пароль приложения.")
INTERNAL = ("Адрес SMTP-сервера ведёт во внутреннюю сеть: укажите сервер, доступный из интернета "
            "(например smtp.yandex.ru).")
WRONG_PORT = "Порт SMTP-сервера — 465 (SSL/TLS), 587 (STARTTLS), 25 или 2525."
PLAINTEXT = "Без шифрования пароль ушёл бы открытым текстом: выберите STARTTLS (порт 587) или SSL/TLS (порт 465)."
NO_STARTTLS = "SMTP-сервер не поддерживает STARTTLS на этом порту: для порта 465 выберите SSL/TLS."
NO_AUTH = "SMTP-сервер не предлагает вход по паролю (AUTH): проверьте порт и шифрование."
TLS_FAILED = "Не удалось установить защищённое соединение: проверьте порт и шифрование (465 — SSL/TLS, 587 — STARTTLS)."
UNREACHABLE = "Не удалось связаться с SMTP-сервером."
BAD_CERTIFICATE = "Сертификат SMTP-сервера не прошёл проверку: укажите имя сервера, на которое выдан сертификат."


class Smtp(Transport):
    code = "smtp"
    kind = Kind.EMAIL
    fields = (
        CredentialField(
            "host", "SMTP-сервер",
            "Адрес сервера исходящей почты из справки почтового сервиса, например smtp.yandex.ru.",
            r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?", "Укажите имя сервера, например smtp.yandex.ru."),
        CredentialField(
            "port", "Порт", "465 для SSL/TLS или 587 для STARTTLS — как в справке почтового сервиса.",
            PORT, "Порт — число от 1 до 65535, обычно 465 или 587."),
        CredentialField(
            "security", "Шифрование", "ssl — для порта 465, starttls — для порта 587; none — только для локальной "
            "песочницы.", r"ssl|starttls|none", "Шифрование — ssl, starttls или none."),
        CredentialField(
            "username", "Логин", "Обычно это полный адрес ящика, например sales@example.ru.",
            r"[^\s\x00-\x1f\x7f]{1,254}", "Логин не должен содержать пробелов и управляющих символов."),
        CredentialField(
            "password", "Пароль", "Пароль ящика или пароль приложения, созданный в настройках безопасности почты.",
            r"[^\x00-\x1f\x7f]{1,128}", "Пароль не должен содержать управляющих символов.", secret=True),
        *mail.from_fields("Адрес ящика, от имени которого сервер разрешает отправку — обычно тот же, что логин."),
    )

    @property
    def label(self) -> str:
        return "SMTP-сервер"

    @classmethod
    def recipient_error(cls, recipient: str) -> str | None:
        return mail.recipient_error(recipient)

    def check(self) -> None:
        try:
            with self._session():
                pass
        except PermanentError as exc:
            raise CredentialsRejected(exc.reason) from exc

    def send(self, message: Message) -> Delivery:
        sender = self.credentials["fromEmail"]
        email = EmailMessage()
        email["From"] = Address(self.credentials.get("fromName", ""), addr_spec=sender)
        email["To"] = message.recipient
        email["Subject"] = EncodedSubject(mail.subject_for(message))
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = f"<{message.idempotency_key}@{sender.rpartition('@')[2]}>"
        email.set_content(message.text, cte="quoted-printable")
        with self._session() as smtp:
            try:
                smtp.send_message(email, from_addr=sender, to_addrs=[message.recipient])
            except smtplib.SMTPSenderRefused as exc:
                if exc.smtp_code >= 500:
                    raise PermanentError(f"SMTP-сервер не разрешает отправлять письма от {sender} "
                                         f"(ошибка {exc.smtp_code}): укажите адрес своего ящика.") from exc
                raise
            except smtplib.SMTPRecipientsRefused as exc:
                [(code, _)] = exc.recipients.values()
                if code >= 500:
                    raise PermanentError(f"SMTP-сервер не принимает письма на этот адрес (ошибка {code}).") from exc
                raise
        return Delivery(provider_message_id=str(email["Message-ID"]), status="sent")

    @contextmanager
    def _session(self) -> Iterator[smtplib.SMTP]:
        """A logged-in connection, closed with QUIT afterwards; SMTP failures become our errors."""
        host, port, security = self.credentials["host"], int(self.credentials["port"]), self.credentials["security"]
        address = self._vetted_address(host, port)
        if security == "none" and not ipaddress.ip_address(address).is_loopback:
            raise PermanentError(PLAINTEXT)
        context = ssl.create_default_context()
        local_name = self.credentials["fromEmail"].rpartition("@")[2]
        smtp = (_PinnedSSL(local_hostname=local_name, timeout=self.timeout, context=context)
                if security == "ssl" else _Pinned(local_hostname=local_name, timeout=self.timeout))
        smtp.pinned_address = address
        try:
            code, greeting = smtp.connect(host, port)
            if code != 220:
                raise smtplib.SMTPConnectError(code, greeting)
            smtp.ehlo()
            if security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise PermanentError(NO_STARTTLS)
                smtp.starttls(context=context)
                smtp.ehlo()
            if not smtp.has_extn("auth"):
                raise PermanentError(NO_AUTH)
            smtp.login(self.credentials["username"], self.credentials["password"])
            yield smtp
        except TransportError:
            raise
        except Exception as exc:  # smtplib, ssl and socket errors
            raise self._failure(exc) from exc
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def _vetted_address(self, host: str, port: int) -> str:
        """The first address of ``host``; in production every address must be public and the port a mail one."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            if exc.errno == socket.EAI_AGAIN:
                raise TemporaryError(UNREACHABLE) from exc
            raise PermanentError(f"Не удалось найти SMTP-сервер {host}: проверьте адрес.") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if settings.APP_ENV == "production":
            if any(not _public(address) for address in addresses):
                raise PermanentError(INTERNAL)
            if port not in PUBLIC_PORTS:
                raise PermanentError(WRONG_PORT)
        return str(addresses[0])

    def _failure(self, exc: Exception) -> TransportError:
        code = getattr(exc, "smtp_code", 0)
        if isinstance(exc, smtplib.SMTPResponseException) and 400 <= code < 500:
            if "too many" in str(exc.smtp_error).lower():
                return TemporaryError("SMTP-сервер ограничил частоту подключений.")
            return TemporaryError(f"{self.label} временно недоступен (ошибка {code}).")
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return AuthError(REJECTED if code == 535 else f"SMTP-сервер отказал во входе (ошибка {code}).")
        if isinstance(exc, smtplib.SMTPResponseException):
            return PermanentError(f"SMTP-сервер отклонил письмо (ошибка {code}).")
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return PermanentError(NO_AUTH)
        if isinstance(exc, ssl.SSLCertVerificationError):
            return PermanentError(BAD_CERTIFICATE)
        if isinstance(exc, ssl.SSLError):
            return PermanentError(TLS_FAILED)
        if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):  # smtplib rewraps it
            return TemporaryError("SMTP-сервер не ответил вовремя.")
        return TemporaryError(UNREACHABLE)


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class _Pinned(smtplib.SMTP):
    """Connects to ``pinned_address`` (vetted) instead of resolving the host again; ``_host`` stays the name, which
    STARTTLS verifies the certificate against."""

    pinned_address = ""

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return socket.create_connection((self.pinned_address, port), timeout, self.source_address)


class _PinnedSSL(smtplib.SMTP_SSL, _Pinned):
    """Implicit TLS on the vetted address, the certificate checked against the host name."""
