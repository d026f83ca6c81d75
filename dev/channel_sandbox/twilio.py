"""Twilio REST API 2010-04-01 as the sandbox speaks it: Account fetch and Messages create (reference §1, §10).

As strict as Twilio: HTTP Basic AccountSid:AuthToken matching the SID in the path, form-encoded To/From/Body,
E.164 numbers, Body ≤ 1600 characters, error bodies ``{"code", "message", "more_info", "status"}``.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from email.utils import formatdate
from http import HTTPStatus

E164 = re.compile(r"\+[1-9]\d{1,14}")
UNSUBSCRIBED = "+79000000021"  # replied STOP: 21610
MAX_BODY = 1600


def error(code: int, message: str, status: int) -> tuple[int, dict]:
    return status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status}


AUTHENTICATE = error(20003, "Authenticate", HTTPStatus.UNAUTHORIZED)
TOO_MANY = error(20429, "Too Many Requests", HTTPStatus.TOO_MANY_REQUESTS)
SERVER_ERROR = error(20500, "An internal server error has occurred", HTTPStatus.INTERNAL_SERVER_ERROR)
NOT_FOUND = error(20404, "The requested resource was not found", HTTPStatus.NOT_FOUND)


class Twilio:
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

    def handle(self, method: str, path: str, authorization: str, content_type: str,
               form: dict[str, list[str]]) -> tuple[int, dict, dict | None]:
        """(status, body, a sent message to record or None) for a request under ``/2010-04-01``."""
        match = re.fullmatch(r"/2010-04-01/Accounts/([^/]+?)(\.json|/Messages\.json)", path)
        if match is None:
            return (*NOT_FOUND, None)
        sid, resource = match.groups()
        if not self._authorized(authorization, sid):
            return (*AUTHENTICATE, None)
        if resource == ".json" and method == "GET":
            return HTTPStatus.OK, self._account(), None
        if resource == "/Messages.json" and method == "POST":
            return self._create_message(content_type, form)
        return (*error(20004, "Method not allowed", HTTPStatus.METHOD_NOT_ALLOWED), None)

    def _account(self) -> dict:
        return {"sid": self.account_sid, "friendly_name": "Fast Lead sandbox", "status": "active", "type": "Full",
                "date_created": formatdate(usegmt=True), "uri": f"/2010-04-01/Accounts/{self.account_sid}.json"}

    def _create_message(self, content_type: str, form: dict[str, list[str]]) -> tuple[int, dict, dict | None]:
        if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            return (*error(20001, "Bad request", HTTPStatus.BAD_REQUEST), None)
        to, sender, body = (form.get(name, [""])[0] for name in ("To", "From", "Body"))
        if not to:
            return (*error(21604, "A 'To' phone number is required.", HTTPStatus.BAD_REQUEST), None)
        if not sender:
            return (*error(21603, "A 'From' phone number is required.", HTTPStatus.BAD_REQUEST), None)
        if not body:
            return (*error(21602, "Message body is required.", HTTPStatus.BAD_REQUEST), None)
        if not E164.fullmatch(to):
            return (*error(21211, f"The 'To' number {to} is not a valid phone number.", HTTPStatus.BAD_REQUEST), None)
        if sender != self.from_number:
            return (*error(21606, f"The 'From' phone number provided ({sender}) is not a valid message-capable "
                                  "Twilio phone number for this destination/account.", HTTPStatus.BAD_REQUEST), None)
        if len(body) > MAX_BODY:
            return (*error(21617, "The concatenated message body exceeds the 1600 character limit.",
                           HTTPStatus.BAD_REQUEST), None)
        if to == UNSUBSCRIBED:
            return (*error(21610, "Attempt to send to unsubscribed recipient", HTTPStatus.BAD_REQUEST), None)
        sid = "SM" + secrets.token_hex(16)
        message = {"sid": sid, "account_sid": self.account_sid, "to": to, "from": sender, "body": body,
                   "status": "queued", "direction": "outbound-api", "num_segments": "1", "error_code": None,
                   "error_message": None, "date_created": formatdate(usegmt=True), "api_version": "2010-04-01",
                   "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}
        return HTTPStatus.CREATED, message, {"provider": "twilio", "id": sid, "to": to, "from": sender, "text": body}
