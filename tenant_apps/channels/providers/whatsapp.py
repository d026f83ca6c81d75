"""WhatsApp Business Cloud API (Meta Graph, reference §7): ``{base}/<version>/<phone number id>[/messages]`` with
``Authorization: Bearer <access token>`` and JSON bodies; errors ``{"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}`` — we branch on ``code``.

Every call carries Graph's ``appsecret_proof`` (HMAC-SHA256 of the token keyed with the app secret), so a wrong app
secret is caught when the channel is connected, not when the first webhook fails its signature check.

Free text reaches only people who wrote within the last 24 hours (else 131047); a lead who never wrote gets the
workspace's approved template (:meth:`WhatsApp.first_contact_template`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import httpx
from django.http import HttpRequest, HttpResponse

from ..kinds import Kind
from ..transport import (
    INBOUND_SECRET,
    AuthError,
    CredentialField,
    CredentialsRejected,
    Delivery,
    Inbound,
    InboundRejected,
    Message,
    PermanentError,
    Template,
    TemporaryError,
    Transport,
    TransportError,
    refusal,
    retry_after_of,
)

GRAPH_VERSION = "v26.0"  # pinned: Graph changes behaviour between versions
E164 = r"\+[1-9]\d{6,14}"
SIGNATURE_HEADER = "X-Hub-Signature-256"
ERROR_CODES_PAGE = "developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes"

UNAUTHORIZED = ("WhatsApp не принял токен доступа: выпустите постоянный токен системного пользователя "
                "в Meta Business Suite (разрешение whatsapp_business_messaging) и подключите канал заново.")
RATE_LIMIT = "WhatsApp ограничил частоту сообщений."
# Graph error code → (error class, Russian reason).
ERRORS: dict[int, tuple[type[TransportError], str]] = {
    0: (AuthError, UNAUTHORIZED),
    190: (AuthError, UNAUTHORIZED),
    10: (AuthError, "У токена нет прав на этот номер WhatsApp: выдайте системному пользователю доступ к номеру "
                    "и разрешение whatsapp_business_messaging."),
    4: (TemporaryError, RATE_LIMIT),
    80007: (TemporaryError, RATE_LIMIT),
    130429: (TemporaryError, RATE_LIMIT),
    131056: (TemporaryError, "Слишком много сообщений одному получателю в WhatsApp подряд."),
    131048: (TemporaryError, "WhatsApp временно ограничил отправку: на сообщения с этого номера жаловались."),
    100: (PermanentError, "WhatsApp отклонил параметры запроса (код 100): проверьте номер получателя и шаблон."),
    131026: (PermanentError, "WhatsApp не может доставить сообщение: у получателя нет WhatsApp "
                             "или слишком старое приложение."),
    131047: (PermanentError, "Клиент не писал в WhatsApp больше 24 часов: WhatsApp разрешает писать ему только "
                             "одобренным шаблоном, свободный текст не доставлен."),
    131049: (PermanentError, "WhatsApp не доставил шаблон: лимит маркетинговых сообщений этому получателю."),
    132000: (PermanentError, "Число параметров не совпадает с шаблоном в WhatsApp Manager: в шаблоне первого "
                             "сообщения должна быть одна переменная {{1}} — имя клиента."),
    132001: (PermanentError, "Шаблона с таким названием и языком нет среди одобренных в WhatsApp Manager: "
                             "проверьте название и язык шаблона в настройках канала."),
}
PHONE_NOT_FOUND = "WhatsApp не нашёл номер с таким Phone number ID: скопируйте его в WhatsApp Manager → API Setup."
WRONG_APP_SECRET = (
    "App Secret не подходит к токену: скопируйте его в настройках приложения Meta (Basic → App Secret).")  # noqa: S105


def signature(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` Meta puts on a webhook: ``sha256=`` and the lowercase hex HMAC of the raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class WhatsApp(Transport):
    code = "whatsapp"
    kind = Kind.WHATSAPP
    base_url_setting = "WHATSAPP_API_URL"
    # Meta's webhook is set in the app's console, not by the API: the admin pastes the address and our verify token.
    inbound = True
    inbound_setup = ("Чтобы ответы клиентов попадали в карточку лида: developers.facebook.com → ваше приложение → "
                     "WhatsApp → Configuration → Webhook: Callback URL — этот адрес, Verify token — токен проверки "
                     "вебхука этого канала; затем подпишитесь на поле «messages».")
    fields = (
        CredentialField(
            "accessToken", "Токен доступа",
            "Meta Business Suite → Настройки компании → Системные пользователи: «Создать токен» для приложения "
            "с разрешениями whatsapp_business_messaging и whatsapp_business_management (начинается с EA).",
            r"EA[A-Za-z0-9]{30,254}", "Токен доступа — латинские буквы и цифры, начинается с «EA».", secret=True),
        CredentialField(
            "phoneNumberId", "Phone number ID",
            "WhatsApp Manager → API Setup (или developers.facebook.com → приложение → WhatsApp → API Setup): "
            "«Phone number ID» номера, с которого пишете (не сам номер).",
            r"\d{5,20}", "Phone number ID — только цифры, как в разделе API Setup."),
        CredentialField(
            "appSecret", "App Secret",
            "developers.facebook.com → ваше приложение → App settings → Basic → App Secret (нажмите «Show»): "
            "им подписаны входящие сообщения.",
            r"[0-9a-f]{32}", "App Secret — 32 шестнадцатеричных символа, как в настройках приложения.", secret=True),
        CredentialField(
            "templateName", "Шаблон первого сообщения",
            "WhatsApp Manager → Message templates: название одобренного шаблона с одной переменной {{1}} "
            "(имя клиента), например hello_lead. Без шаблона WhatsApp не даёт написать клиенту первым.",
            r"[a-z0-9_]{1,512}", "Название шаблона — строчные латинские буквы, цифры и «_», как в WhatsApp Manager."),
        CredentialField(
            "templateLanguage", "Язык шаблона",
            "Код языка одобренного шаблона в WhatsApp Manager: ru, en, en_US…",
            r"[a-z]{2,3}(_[A-Z]{2})?", "Код языка — например ru или en_US."),
    )

    @property
    def label(self) -> str:
        return "WhatsApp"

    @classmethod
    def recipient_error(cls, recipient: str) -> str | None:
        if re.fullmatch(E164, recipient):
            return None
        return "Укажите номер WhatsApp в международном формате: +79001234567."

    @property
    def _number_url(self) -> str:
        return f"{self.base_url}/{GRAPH_VERSION}/{self.credentials['phoneNumberId']}"

    def _call(self, method: str, url: str, **kwargs) -> dict:
        proof = hmac.new(self.credentials["appSecret"].encode(), self.credentials["accessToken"].encode(),
                         hashlib.sha256).hexdigest()
        response = self._request(method, url, params={**kwargs.pop("params", {}), "appsecret_proof": proof},
                                 headers={"Authorization": f"Bearer {self.credentials['accessToken']}"}, **kwargs)
        body = self._json_object(response)
        if response.is_success:
            return body
        raise self._error(response, body.get("error"))

    @staticmethod
    def _error(response: httpx.Response, error: object) -> TransportError:
        error = error if isinstance(error, dict) else {}
        code, message = error.get("code"), str(error.get("message", ""))
        if code == 100 and "appsecret_proof" in message:
            return AuthError(WRONG_APP_SECRET)
        if code == 100 and error.get("error_subcode") == 33:
            return AuthError(PHONE_NOT_FOUND)
        error_class, reason = ERRORS.get(code, (None, "")) if isinstance(code, int) else (None, "")
        if error_class is TemporaryError:
            return TemporaryError(reason, retry_after=retry_after_of(response))
        if error_class is not None:
            return error_class(reason)
        if response.status_code == 401:
            return AuthError(UNAUTHORIZED)
        if response.status_code == 429:
            return TemporaryError(RATE_LIMIT, retry_after=retry_after_of(response))
        return PermanentError(refusal("WhatsApp", code, message, docs=ERROR_CODES_PAGE))

    def check(self) -> None:
        try:
            number = self._call("GET", self._number_url,
                                params={"fields": "id,display_phone_number,verified_name,quality_rating"})
        except PermanentError as exc:
            raise CredentialsRejected(exc.reason) from exc
        if str(number.get("id")) != self.credentials["phoneNumberId"]:
            raise CredentialsRejected(PHONE_NOT_FOUND)

    def send(self, message: Message) -> Delivery:
        payload: dict = {"messaging_product": "whatsapp", "recipient_type": "individual",
                         "to": message.recipient.removeprefix("+")}
        if message.template is None:
            payload.update(type="text", text={"preview_url": False, "body": message.text})
        else:
            payload.update(type="template", template={
                "name": message.template.name,
                "language": {"policy": "deterministic", "code": message.template.language},
                "components": [{"type": "body", "parameters": [
                    {"type": "text", "text": value} for value in message.template.parameters]}],
            })
        sent = self._call("POST", f"{self._number_url}/messages", json=payload)
        messages = sent.get("messages")
        message_id = messages[0].get("id", "") if isinstance(messages, list) and messages else ""
        return Delivery(provider_message_id=str(message_id), status="accepted")

    def first_contact_template(self, parameters: tuple[str, ...]) -> Template | None:
        return Template(self.credentials["templateName"], self.credentials["templateLanguage"], parameters)

    def inbound_handshake(self, request: HttpRequest) -> HttpResponse | None:
        """Meta's subscription check: ``GET ?hub.mode=subscribe&hub.verify_token=<ours>&hub.challenge=<n>``."""
        if request.method != "GET":
            return None
        secret = self.credentials.get(INBOUND_SECRET, "")
        token = request.GET.get("hub.verify_token", "")
        if request.GET.get("hub.mode") == "subscribe" and secret and hmac.compare_digest(token, secret):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain; charset=utf-8")
        return HttpResponse("Неверный verify token.", status=403, content_type="text/plain; charset=utf-8")

    def parse_inbound(self, request: HttpRequest) -> list[Inbound]:
        """People's text messages (and template button taps) to our number; statuses and others give []."""
        expected = signature(self.credentials["appSecret"], request.body)
        if not hmac.compare_digest(request.headers.get(SIGNATURE_HEADER, ""), expected):
            raise InboundRejected("Подпись X-Hub-Signature-256 не совпала.")
        try:
            payload = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return []
        return [inbound for value in _values(payload) if _ours(value, self.credentials["phoneNumberId"])
                for inbound in _messages(value)]


def _values(payload: object) -> list[dict]:
    """The ``value`` of every ``messages`` change in a webhook body."""
    entries = payload.get("entry") if isinstance(payload, dict) else None
    changes = [change for entry in entries or [] if isinstance(entry, dict)
               for change in entry.get("changes") or [] if isinstance(change, dict)]
    return [change["value"] for change in changes
            if change.get("field") == "messages" and isinstance(change.get("value"), dict)]


def _ours(value: dict, phone_number_id: str) -> bool:
    """One app's webhook carries all its numbers: keep only the channel's own."""
    metadata = value.get("metadata")
    return isinstance(metadata, dict) and str(metadata.get("phone_number_id")) == phone_number_id


def _messages(value: dict) -> list[Inbound]:
    names = {str(contact.get("wa_id")): str((contact.get("profile") or {}).get("name", ""))
             for contact in value.get("contacts") or [] if isinstance(contact, dict)}
    found = []
    for message in value.get("messages") or []:
        if not isinstance(message, dict) or not re.fullmatch(r"[1-9]\d{6,14}", str(message.get("from", ""))):
            continue
        kind = message.get("type")
        content = message.get(kind) if kind in ("text", "button") else None
        text = (content or {}).get("body" if kind == "text" else "text") if isinstance(content, dict) else None
        if isinstance(text, str) and text and message.get("id"):
            sender = str(message["from"])
            found.append(Inbound(sender="+" + sender, text=text, provider_message_id=str(message["id"]),
                                 sender_name=names.get(sender, "")))
    return found
