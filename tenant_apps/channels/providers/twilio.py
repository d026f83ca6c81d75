"""Twilio Programmable Messaging (SMS), REST API 2010-04-01: HTTP Basic AccountSid:AuthToken, form-encoded bodies.

Errors arrive as ``{"code": 20003, "message": "Authenticate", "more_info": ..., "status": 401}``; we branch on the
code (Twilio rewords messages), see ../shared/reference/channels-providers.md §1.
"""

from __future__ import annotations

import re

import httpx

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
    retry_after_of,
)

E164 = r"\+[1-9]\d{6,14}"

# Twilio error code → (error class, Russian reason).
ERRORS: dict[int, tuple[type[TransportError], str]] = {
    20003: (AuthError, "Twilio не принял Account SID и Auth Token: проверьте их в консоли Twilio "
                       "(или аккаунт приостановлен)."),
    20429: (TemporaryError, "Twilio ограничил частоту запросов. Повторите через минуту."),
    21211: (PermanentError, "Twilio не принимает этот номер получателя: укажите его в формате +79001234567."),
    21610: (PermanentError, "Получатель отписался от SMS с этого номера (ответил STOP)."),
}


class Twilio(Transport):
    code = "twilio"
    kind = Kind.SMS
    base_url_setting = "TWILIO_API_URL"
    fields = (
        CredentialField(
            "accountSid", "Account SID",
            "Консоль Twilio → Account → API keys & tokens, строка «Account SID» (начинается с AC).",
            r"AC[0-9a-f]{32}", "Account SID — «AC» и 32 шестнадцатеричных символа, как в консоли Twilio."),
        CredentialField(
            "authToken", "Auth Token",
            "Консоль Twilio → Account → API keys & tokens, «Auth Token» (нажмите «Show»).",
            r"[0-9a-f]{32}", "Auth Token — 32 шестнадцатеричных символа, как в консоли Twilio.", secret=True),
        CredentialField(
            "fromNumber", "Номер отправителя",
            "Консоль Twilio → Phone Numbers → Active numbers: номер, с которого уходят SMS, в формате +15005550006.",
            E164, "Номер отправителя — в международном формате, например +15005550006."),
    )

    @classmethod
    def recipient_error(cls, recipient: str) -> str | None:
        return None if re.fullmatch(E164, recipient) else "Укажите номер в международном формате: +79001234567."

    @property
    def _account_url(self) -> str:
        return f"{self.base_url}/2010-04-01/Accounts/{self.credentials['accountSid']}"

    @property
    def _auth(self) -> tuple[str, str]:
        return self.credentials["accountSid"], self.credentials["authToken"]

    def check(self) -> None:
        response = self._request("GET", f"{self._account_url}.json", auth=self._auth)
        try:
            account = self._ok(response)
        except PermanentError as exc:
            raise CredentialsRejected(exc.reason) from exc
        if account.get("status") != "active":
            raise CredentialsRejected(f"Аккаунт Twilio не активен (статус «{account.get('status')}»).")

    def send(self, message: Message) -> Delivery:
        form = {"To": message.recipient, "From": self.credentials["fromNumber"], "Body": message.text}
        response = self._request("POST", f"{self._account_url}/Messages.json", auth=self._auth, data=form)
        sent = self._ok(response)
        return Delivery(provider_message_id=str(sent.get("sid", "")), status=str(sent.get("status", "")))

    def _ok(self, response: httpx.Response) -> dict:
        """The JSON of a 2xx answer, or the error its body describes."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TemporaryError(f"Twilio ответил непонятно (HTTP {response.status_code}).")
        if response.is_success:
            return body
        code = body.get("code")
        error_class, reason = ERRORS.get(code, (None, "")) if isinstance(code, int) else (None, "")
        if error_class is TemporaryError:
            raise TemporaryError(reason, retry_after=retry_after_of(response))
        if error_class is not None:
            raise error_class(reason)
        if response.status_code == 401:
            raise AuthError(ERRORS[20003][1])
        if response.status_code == 429:
            raise TemporaryError(ERRORS[20429][1], retry_after=retry_after_of(response))
        raise PermanentError(f"Twilio отклонил запрос (код {code}): {str(body.get('message', ''))[:200]}")
