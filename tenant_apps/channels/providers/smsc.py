"""SMSC.ru HTTP API: ``/sys/balance.php`` checks the login, ``/sys/send.php`` sends, both with ``fmt=3`` (JSON).

Errors come as ``{"error": "...", "error_code": N}`` (plus ``"id"`` for codes 3, 6, 7, 8) with an undocumented HTTP
status, so we branch on ``error_code`` only (reference §2). Parameters go in a POST form: the password stays out of
URLs and logs. SMSC documents no idempotency parameter (its ``id`` only names a message for status queries) and
answers code 9 to an identical request repeated within a minute, which we retry like a rate limit.
"""

from __future__ import annotations

import re

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

E164 = r"\+[1-9]\d{6,14}"
RATE_LIMITED = "SMSC.ru ограничил частоту запросов."

# SMSC error_code → (error class, Russian reason).
ERRORS: dict[int, tuple[type[TransportError], str]] = {
    1: (PermanentError, "SMSC.ru отклонил запрос: ошибка в параметрах."),
    2: (AuthError, "SMSC.ru не принял логин и пароль: проверьте их в личном кабинете SMSC.ru "
                   "(или запрос пришёл с IP-адреса не из разрешённого списка)."),
    3: (PermanentError, "На счёте SMSC.ru недостаточно средств: пополните баланс в личном кабинете."),
    4: (TemporaryError, "SMSC.ru временно заблокировал наш IP-адрес после ошибок."),
    6: (PermanentError, "SMSC.ru запретил сообщение: текст или имя отправителя не одобрены."),
    7: (PermanentError, "SMSC.ru не принимает этот номер получателя: укажите его в формате +79001234567."),
    8: (PermanentError, "SMSC.ru не может доставить SMS на этот номер."),
    9: (TemporaryError, RATE_LIMITED),
}


class Smsc(Transport):
    code = "smsc"
    kind = Kind.SMS
    base_url_setting = "SMSC_API_URL"
    fields = (
        CredentialField(
            "login", "Логин", "Логин, с которым вы входите в личный кабинет SMSC.ru.",
            r"[A-Za-z0-9._@-]{1,64}", "Логин SMSC.ru — латинские буквы, цифры и знаки . _ @ -, как в личном кабинете."),
        CredentialField(
            "password", "Пароль",
            "Пароль от личного кабинета SMSC.ru или отдельный пароль для API (Настройки → «Пароль для API»).",
            r"[^\x00-\x1f\x7f]{1,128}", "Пароль не должен содержать управляющих символов.", secret=True),
        CredentialField(
            "sender", "Имя отправителя",
            "Одобренное имя из раздела «Имена отправителей» личного кабинета; пусто — имя SMSC.ru по умолчанию.",
            r"[A-Za-z0-9 ._-]{1,11}|\d{1,15}", "Имя отправителя — до 11 латинских букв и цифр или номер до 15 цифр.",
            required=False),
    )

    @property
    def label(self) -> str:
        return "SMSC.ru"

    @classmethod
    def recipient_error(cls, recipient: str) -> str | None:
        return None if re.fullmatch(E164, recipient) else "Укажите номер в международном формате: +79001234567."

    def check(self) -> None:
        try:
            answer = self._call("balance.php", {})
        except PermanentError as exc:
            raise CredentialsRejected(exc.reason) from exc
        if "balance" not in answer:
            raise TemporaryError("SMSC.ru ответил без баланса.")

    def send(self, message: Message) -> Delivery:
        params = {"phones": message.recipient, "mes": message.text}
        if sender := self.credentials.get("sender"):
            params["sender"] = sender
        sent = self._call("send.php", params)
        return Delivery(provider_message_id=str(sent.get("id", "")), status="accepted")

    def _call(self, script: str, params: dict[str, str]) -> dict:
        form = {"login": self.credentials["login"], "psw": self.credentials["password"], "fmt": "3",
                "charset": "utf-8", **params}
        response = self._request("POST", f"{self.base_url}/sys/{script}", data=form)
        body = self._json_object(response)
        code = body.get("error_code")
        if code is None:
            return body
        known = ERRORS.get(code) if isinstance(code, int) else None
        error_class, reason = known or (PermanentError, f"SMSC.ru отклонил запрос (код ошибки {str(code)[:20]}).")
        raise error_class(reason)
