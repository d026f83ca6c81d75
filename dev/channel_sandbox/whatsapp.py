"""The WhatsApp Business Cloud API (Meta Graph) as the sandbox speaks it (reference §7, §10).

As strict as Meta: ``Authorization: Bearer <token>``, the phone number id in the path, Graph's ``appsecret_proof``
checked when given, the JSON schema of text and template messages, **the 24-hour customer service window** (free
text only to a number that wrote within 24 hours, else 131047), templates only from the approved list (else 132001)
with the right number of parameters (else 132000), and Graph's error body ``{"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}``.

Numbers: :data:`WINDOW_OPEN` wrote just now (free text reaches it), :data:`NOT_ON_WHATSAPP` has no WhatsApp (131026);
any other number receives templates only until it writes (``inbound``). Webhooks are signed with the app secret
(``X-Hub-Signature-256``) and go to the URL the caller gives, since Meta's is set in its console.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from http import HTTPStatus
from urllib.parse import parse_qs, urlencode, urlsplit

from dev.channel_sandbox.base import Answer, Provider, Request, Webhook

# Access token, phone number id, app secret.
DEFAULT_WHATSAPP = ("EAAFastLeadSandboxWhatsAppAccessToken0123456789", "106540352242922",
                    "fa570000c0ffee00000000000000a99e")
WINDOW_OPEN = "+79000000031"  # wrote to the business just now: free text is allowed
NOT_ON_WHATSAPP = "+79000000032"  # 131026
WINDOW_SECONDS = 24 * 3600
MAX_TEXT = 4096
# Approved templates: name → (language, body with {{1}}…).
TEMPLATES = {
    "hello_lead": ("ru", "Здравствуйте, {{1}}! Получили вашу заявку. Ответьте на это сообщение — продолжим здесь."),
}
PENDING_TEMPLATES = {"summer_sale": "ru"}  # submitted, not approved yet: cannot be sent
NUMBER_FIELDS = ("id", "display_phone_number", "verified_name", "quality_rating", "code_verification_status",
                 "platform_type", "throughput")
PHONE = re.compile(r"\+?([1-9]\d{6,14})")


def error(status: int, code: int, message: str, *, error_type: str = "OAuthException", subcode: int | None = None,
          details: str = "") -> Answer:
    body: dict = {"message": message, "type": error_type, "code": code, "fbtrace_id": secrets.token_urlsafe(12)}
    if subcode is not None:
        body["error_subcode"] = subcode
    if details:
        body["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return Answer(status, {"error": body})


INVALID_TOKEN = (HTTPStatus.UNAUTHORIZED, 190, "Invalid OAuth access token - Cannot parse access token")
REVOKED = (HTTPStatus.UNAUTHORIZED, 190, "Error validating access token: The session has been invalidated because "
           "the user changed their password or Facebook has changed the session for security reasons.")


class WhatsApp(Provider):
    name = "whatsapp"

    def __init__(self, access_token: str = DEFAULT_WHATSAPP[0], phone_number_id: str = DEFAULT_WHATSAPP[1],
                 app_secret: str = DEFAULT_WHATSAPP[2], display_phone_number: str = "+7 900 000-00-30") -> None:
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self.display_phone_number = display_phone_number
        self._wrote: dict[str, float] = {WINDOW_OPEN.removeprefix("+"): time.time()}  # wa_id → last message time

    def fault(self, mode: str) -> Answer:
        if mode == "revoked":
            return error(*REVOKED, subcode=460)
        if mode == "rate_limit":
            return error(HTTPStatus.TOO_MANY_REQUESTS, 130429, "(#130429) Rate limit hit",
                         details="Cloud API message throughput has been reached.")
        return error(HTTPStatus.INTERNAL_SERVER_ERROR, 1, "An unknown error occurred", subcode=99)

    def handle(self, request: Request) -> Answer:
        match = re.fullmatch(r"/(v\d{1,2}\.0)/([^/]+)(/messages)?", request.path)
        if match is None:
            return error(HTTPStatus.BAD_REQUEST, 2500, "Unknown path components: " + request.path,
                         error_type="OAuthException")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            return error(HTTPStatus.BAD_REQUEST, 104, "An access token is required to request this resource.")
        if not secrets.compare_digest(token, self.access_token):
            return error(*INVALID_TOKEN)
        query = parse_qs(request.query)
        proof = query.get("appsecret_proof", [""])[0]
        expected = hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        if proof and not secrets.compare_digest(proof, expected):
            return error(HTTPStatus.BAD_REQUEST, 100, "Invalid appsecret_proof provided in the API argument",
                         error_type="GraphMethodException")
        _, number_id, messages = match.groups()
        if number_id != self.phone_number_id:
            return error(HTTPStatus.BAD_REQUEST, 100, f"Unsupported {request.method.lower()} request. Object with ID "
                         f"'{number_id}' does not exist, cannot be loaded due to missing permissions, or does not "
                         "support this operation.", error_type="GraphMethodException", subcode=33)
        if not messages and request.method == "GET":
            return Answer(HTTPStatus.OK, self._number(query.get("fields", [""])[0]))
        if messages and request.method == "POST":
            return self._send(request)
        return error(HTTPStatus.BAD_REQUEST, 100, "Unsupported request - method type: " + request.method.lower(),
                     error_type="GraphMethodException")

    def _number(self, fields: str) -> dict:
        number = {"id": self.phone_number_id, "display_phone_number": self.display_phone_number,
                  "verified_name": "Fast Lead Sandbox", "quality_rating": "GREEN",
                  "code_verification_status": "VERIFIED", "platform_type": "CLOUD_API",
                  "throughput": {"level": "STANDARD"}}
        wanted = [name for name in fields.split(",") if name] or ["id", "display_phone_number", "verified_name",
                                                                   "quality_rating"]
        return {"id": self.phone_number_id, **{name: number[name] for name in wanted if name in number}}

    def _send(self, request: Request) -> Answer:
        if request.content_type != "application/json":
            return _invalid("Request body must be JSON (Content-Type: application/json).")
        try:
            body = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return _invalid("Invalid JSON for postback")
        if body.get("messaging_product") != "whatsapp":
            return _invalid("The parameter messaging_product is required.")
        if body.get("recipient_type", "individual") != "individual":
            return _invalid("Param recipient_type must be one of {individual, group}.")
        to = PHONE.fullmatch(str(body.get("to", "")))
        if to is None:
            return error(HTTPStatus.BAD_REQUEST, 100, "(#100) Invalid parameter", error_type="OAuthException",
                         details="The parameter to is required and must be a phone number.")
        wa_id, kind = to.group(1), body.get("type", "text")
        if "+" + wa_id == NOT_ON_WHATSAPP:
            return error(HTTPStatus.BAD_REQUEST, 131026, "(#131026) Message undeliverable",
                         details="Message could not be delivered: the recipient is not a WhatsApp user.")
        if kind == "text":
            text = body.get("text")
            content = text.get("body") if isinstance(text, dict) else None
            if not isinstance(content, str) or not content.strip():
                return _invalid("The parameter text['body'] is required.")
            if len(content) > MAX_TEXT:
                return _invalid(f"Param text['body'] must be at most {MAX_TEXT} characters long.")
            if time.time() - self._wrote.get(wa_id, float("-inf")) > WINDOW_SECONDS:
                return error(HTTPStatus.BAD_REQUEST, 131047, "(#131047) Re-engagement message",
                             details="Message failed to send because more than 24 hours have passed since the "
                                     "customer last replied to this number.")
            return self._accepted(wa_id, content, None)
        if kind == "template":
            return self._template(wa_id, body.get("template"))
        return _invalid(f"(#100) Param type must be one of {{text, template}} in the sandbox, got {kind!r}.")

    def _template(self, wa_id: str, template: object) -> Answer:
        if not isinstance(template, dict) or not isinstance(template.get("name"), str):
            return _invalid("The parameter template['name'] is required.")
        language = template.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        if not isinstance(code, str):
            return _invalid("The parameter template['language']['code'] is required.")
        name = template["name"]
        approved = TEMPLATES.get(name)
        if approved is None or approved[0] != code:
            return error(HTTPStatus.NOT_FOUND, 132001, "(#132001) Template name does not exist in the translation",
                         details=f"template name ({name}) does not exist in {code}")
        values = _body_parameters(template.get("components"))
        expected = len(re.findall(r"\{\{\d+\}\}", approved[1]))
        if values is None or len(values) != expected:
            return error(HTTPStatus.BAD_REQUEST, 132000, "(#132000) Number of parameters does not match the "
                         "expected number of params", details=f"body: number of localizable_params "
                         f"({0 if values is None else len(values)}) does not match the expected number of params "
                         f"({expected})")
        text = re.sub(r"\{\{(\d+)\}\}", lambda found: values[int(found.group(1)) - 1], approved[1])
        return self._accepted(wa_id, text, {"name": name, "language": code, "parameters": values})

    def _accepted(self, wa_id: str, text: str, template: dict | None) -> Answer:
        message_id = "wamid." + secrets.token_urlsafe(24)
        sent = {"provider": "whatsapp", "id": message_id, "to": "+" + wa_id, "from": self.display_phone_number,
                "text": text, "template": template}
        return Answer(HTTPStatus.OK, {"messaging_product": "whatsapp", "contacts": [{"input": wa_id, "wa_id": wa_id}],
                                      "messages": [{"id": message_id}]}, sent)

    def inbound(self, params: dict) -> Webhook:
        """A person's text (``params["from"]``, ``["text"]``, ``["name"]``) as Meta posts it to ``params["url"]``,
        signed with the app secret; it opens the number's 24-hour window. With ``params["verify_token"]`` it is
        Meta's subscription check instead: ``GET url?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``."""
        url = str(params.get("url", ""))
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("url — адрес вебхука, который в Meta указывают в настройках приложения.")
        if "verify_token" in params:
            query = urlencode({"hub.mode": "subscribe", "hub.verify_token": str(params["verify_token"]),
                               "hub.challenge": str(secrets.randbelow(10**9))})
            return Webhook(f"{url}?{query}", b"", {}, method="GET")
        sender, text = PHONE.fullmatch(str(params.get("from", ""))), params.get("text")
        if sender is None or not isinstance(text, str) or not text:
            raise ValueError("from — номер в формате +79001234567, text — непустой текст.")
        wa_id = sender.group(1)
        now = time.time()
        self._wrote[wa_id] = now
        payload = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
            "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": re.sub(r"\D", "", self.display_phone_number),
                             "phone_number_id": self.phone_number_id},
                "contacts": [{"profile": {"name": str(params.get("name") or "Иван")}, "wa_id": wa_id}],
                "messages": [{"from": wa_id, "id": "wamid." + secrets.token_urlsafe(24), "timestamp": str(int(now)),
                              "type": "text", "text": {"body": text}}],
            }}]}]}
        body = json.dumps(payload, separators=(",", ":")).encode()  # ASCII: Meta escapes non-ASCII as \\uXXXX
        digest = hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()
        return Webhook(url, body, {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"})


def _invalid(details: str) -> Answer:
    return error(HTTPStatus.BAD_REQUEST, 100, "(#100) Invalid parameter", details=details)


def _body_parameters(components: object) -> list[str] | None:
    """The body component's text parameters, [] without components, None when malformed."""
    if components is None:
        return []
    if not isinstance(components, list):
        return None
    values: list[str] = []
    for component in components:
        if not isinstance(component, dict) or component.get("type") != "body":
            continue
        for parameter in component.get("parameters") or []:
            if not isinstance(parameter, dict) or parameter.get("type") != "text" \
                    or not isinstance(parameter.get("text"), str) or not parameter["text"].strip():
                return None
            values.append(parameter["text"])
    return values
