"""Twilio REST API 2010-04-01 as the sandbox speaks it: Account fetch, IncomingPhoneNumbers list and Messages create
(reference §1, §10).

As strict as Twilio: HTTP Basic AccountSid:AuthToken matching the SID in the path, form-encoded To/From/Body,
E.164 numbers, Body ≤ 1600 characters, error bodies ``{"code", "message", "more_info", "status"}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import parse_qs, urlencode

from dev.channel_sandbox.base import Answer, Provider, Request, Webhook

E164 = re.compile(r"\+[1-9]\d{1,14}")
UNSUBSCRIBED = "+79000000021"  # replied STOP: 21610
MAX_BODY = 1600
MAX_PAGE_SIZE = 1000


def error(code: int, message: str, status: int) -> tuple[int, dict]:
    return status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status}


AUTHENTICATE = error(20003, "Authenticate", HTTPStatus.UNAUTHORIZED)
TOO_MANY = error(20429, "Too Many Requests", HTTPStatus.TOO_MANY_REQUESTS)
SERVER_ERROR = error(20500, "An internal server error has occurred", HTTPStatus.INTERNAL_SERVER_ERROR)
NOT_FOUND = error(20404, "The requested resource was not found", HTTPStatus.NOT_FOUND)


FAULTS = {"http_500": SERVER_ERROR, "rate_limit": TOO_MANY, "revoked": AUTHENTICATE}


class Twilio(Provider):
    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, from_number: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number

    def _authorized(self, authorization: str, sid: str) -> bool:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return (secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(password, self.auth_token)
                and sid == self.account_sid)

    def fault(self, mode: str) -> Answer:
        status, body = FAULTS[mode]
        return Answer(status, body, headers={"Retry-After": "5"} if mode == "rate_limit" else {})

    def handle(self, request: Request) -> Answer:
        match = re.fullmatch(r"/2010-04-01/Accounts/([^/]+?)(\.json|/Messages\.json|/IncomingPhoneNumbers\.json)",
                             request.path)
        if match is None:
            return Answer(*NOT_FOUND)
        sid, resource = match.groups()
        if not self._authorized(request.headers.get("Authorization", ""), sid):
            return Answer(*AUTHENTICATE)
        if resource == ".json" and request.method == "GET":
            return Answer(HTTPStatus.OK, self._account())
        if resource == "/Messages.json" and request.method == "POST":
            return self._create_message(request.content_type, request.form())
        if resource == "/IncomingPhoneNumbers.json" and request.method == "GET":
            return self._incoming_numbers(parse_qs(request.query, keep_blank_values=True))
        return Answer(*error(20004, "Method not allowed", HTTPStatus.METHOD_NOT_ALLOWED))

    def _account(self) -> dict:
        return {"sid": self.account_sid, "friendly_name": "Fast Lead sandbox", "status": "active", "type": "Full",
                "date_created": formatdate(usegmt=True), "uri": f"/2010-04-01/Accounts/{self.account_sid}.json"}

    def _incoming_numbers(self, query: dict[str, list[str]]) -> Answer:
        """The account's numbers (only the seeded one), filtered by ``PhoneNumber`` — digits with ``*`` wildcards,
        matching anywhere — in Twilio's paging envelope; ``PageSize`` 1–1000, ``Page`` from 0."""
        pattern, size, page = (query.get(name, [default])[0]
                               for name, default in (("PhoneNumber", ""), ("PageSize", "50"), ("Page", "0")))
        if not (size.isdigit() and 1 <= int(size) <= MAX_PAGE_SIZE and page.isdigit()):
            return Answer(*error(20001, "Invalid PageSize or Page", HTTPStatus.BAD_REQUEST))
        wanted = re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
        numbers = [self._number()] if wanted.search(self.from_number) else []
        start = int(page) * int(size)
        items = numbers[start:start + int(size)]
        filters = {"PhoneNumber": pattern} if pattern else {}
        base = f"/2010-04-01/Accounts/{self.account_sid}/IncomingPhoneNumbers.json?"

        def uri(number: int) -> str:
            return base + urlencode({**filters, "PageSize": size, "Page": number})

        return Answer(HTTPStatus.OK, {
            "incoming_phone_numbers": items, "page": int(page), "page_size": int(size), "start": start,
            "end": start + max(len(items) - 1, 0), "uri": uri(int(page)), "first_page_uri": uri(0),
            "previous_page_uri": uri(int(page) - 1) if int(page) else None,
            "next_page_uri": uri(int(page) + 1) if start + int(size) < len(numbers) else None,
        })

    def _number(self) -> dict:
        sid = "PN" + hashlib.md5(self.from_number.encode(), usedforsecurity=False).hexdigest()
        return {"sid": sid, "account_sid": self.account_sid, "friendly_name": self.from_number,
                "phone_number": self.from_number, "status": "in-use", "api_version": "2010-04-01",
                "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
                "date_created": formatdate(usegmt=True), "date_updated": formatdate(usegmt=True),
                "sms_method": "POST", "sms_url": "", "uri": f"/2010-04-01/Accounts/{self.account_sid}"
                                                        f"/IncomingPhoneNumbers/{sid}.json"}

    def _create_message(self, content_type: str, form: dict[str, list[str]]) -> Answer:
        if content_type != "application/x-www-form-urlencoded":
            return Answer(*error(20001, "Bad request", HTTPStatus.BAD_REQUEST))
        to, sender, body = (form.get(name, [""])[0] for name in ("To", "From", "Body"))
        if not to:
            return Answer(*error(21604, "A 'To' phone number is required.", HTTPStatus.BAD_REQUEST))
        if not sender:
            return Answer(*error(21603, "A 'From' phone number is required.", HTTPStatus.BAD_REQUEST))
        if not body:
            return Answer(*error(21602, "Message body is required.", HTTPStatus.BAD_REQUEST))
        if not E164.fullmatch(to):
            return Answer(*error(21211, f"The 'To' number {to} is not a valid phone number.", HTTPStatus.BAD_REQUEST))
        if sender != self.from_number:
            return Answer(*error(21606, f"The 'From' phone number provided ({sender}) is not a valid message-capable "
                                  "Twilio phone number for this destination/account.", HTTPStatus.BAD_REQUEST))
        if len(body) > MAX_BODY:
            return Answer(*error(21617, "The concatenated message body exceeds the 1600 character limit.",
                           HTTPStatus.BAD_REQUEST))
        if to == UNSUBSCRIBED:
            return Answer(*error(21610, "Attempt to send to unsubscribed recipient", HTTPStatus.BAD_REQUEST))
        sid = "SM" + secrets.token_hex(16)
        message = {"sid": sid, "account_sid": self.account_sid, "to": to, "from": sender, "body": body,
                   "status": "queued", "direction": "outbound-api", "num_segments": "1", "error_code": None,
                   "error_message": None, "date_created": formatdate(usegmt=True), "api_version": "2010-04-01",
                   "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}
        return Answer(HTTPStatus.CREATED, message,
                      {"provider": "twilio", "id": sid, "to": to, "from": sender, "text": body})

    def inbound(self, params: dict) -> Webhook:
        """An SMS from ``params["from"]`` to our number with ``text``, as Twilio posts it to the number's "A message
        comes in" URL (``params["url"]``: the sandbox has no number configuration), signed with the Auth Token."""
        url, sender, text = (str(params.get(name) or "") for name in ("url", "from", "text"))
        if not url.startswith(("http://", "https://")):
            raise ValueError("twilio: url — адрес вебхука входящих SMS (http:// или https://).")
        if not E164.fullmatch(sender):
            raise ValueError("twilio: from — номер отправителя в формате E.164.")
        sid = "SM" + secrets.token_hex(16)
        form = {"ToCountry": "US", "SmsMessageSid": sid, "NumMedia": "0", "SmsSid": sid, "SmsStatus": "received",
                "Body": text, "To": self.from_number, "NumSegments": "1", "MessageSid": sid,
                "AccountSid": self.account_sid, "From": sender, "ApiVersion": "2010-04-01"}
        return Webhook(url, urlencode(form).encode(), {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(self.auth_token, url, form),
            "User-Agent": "TwilioProxy/1.1",
        })


def sign(token: str, url: str, form: dict[str, str]) -> str:
    """``X-Twilio-Signature``: HMAC-SHA1 with the Auth Token over the URL and the sorted ``name + value`` pairs."""
    data = url + "".join(name + form[name] for name in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()
