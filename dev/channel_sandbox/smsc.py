"""SMSC.ru's HTTP API as the sandbox speaks it: ``/sys/balance.php`` and ``/sys/send.php`` (reference §2, §10).

As strict as SMSC: ``login`` + ``psw`` on every call (GET query or POST form), ``charset`` decides how parameters
are decoded (windows-1251 when absent), ``phones`` in international format, ``mes`` ≤ 1000 characters, ``sender``
only an approved name. Errors are HTTP 200 with ``{"error", "error_code"}`` (plus ``"id"`` for codes 3, 6, 7, 8)
when ``fmt=3``, else SMSC's text line ``ERROR = N (description)``.
"""

from __future__ import annotations

import itertools
import re
import secrets
from http import HTTPStatus
from urllib.parse import parse_qs

from dev.channel_sandbox.base import Answer, Provider, Request

DEFAULT_SMSC = ("fastlead", "smsc-sandbox-password", "FastLead")  # login, password, the approved sender name
UNDELIVERABLE = "+79000000031"  # error 8: cannot be delivered to this number
DEFAULT_SENDER = "SMSC.RU"
CHARSETS = {"utf-8": "utf-8", "windows-1251": "cp1251", "koi8-r": "koi8_r"}
PHONE = re.compile(r"\+?[1-9]\d{9,14}")
MAX_TEXT = 1000
BALANCE = "100.00"

# error_code → SMSC's description; codes 3, 6, 7, 8 also carry the message id.
DESCRIPTIONS = {1: "parameters error", 2: "authorise error", 3: "no money", 4: "IP address is temporarily blocked",
                6: "message is denied", 7: "invalid number", 8: "can't deliver", 9: "duplicate request, wait a minute"}
WITH_ID = (3, 6, 7, 8)


class Smsc(Provider):
    name = "smsc"

    def __init__(self, login: str, password: str, sender: str) -> None:
        self.login = login
        self.password = password
        self.senders = {sender}
        self._ids = itertools.count(1)

    def fault(self, mode: str) -> Answer:
        if mode == "http_500":
            return Answer(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
        return self._error(2 if mode == "revoked" else 9, fmt="3")

    def handle(self, request: Request) -> Answer:
        if request.method not in ("GET", "POST") or request.path not in ("/sys/send.php", "/sys/balance.php"):
            return Answer(HTTPStatus.NOT_FOUND, "Not Found")
        raw = self._raw(request)
        fmt = parse_qs(raw, encoding="latin-1").get("fmt", ["0"])[-1] if raw is not None else "0"
        params = self._params(raw) if raw is not None else None
        if params is None:
            return self._error(1, fmt)
        if not (secrets.compare_digest(params.get("login", "").encode(), self.login.encode())
                and secrets.compare_digest(params.get("psw", "").encode(), self.password.encode())):
            return self._error(2, fmt)
        if request.path == "/sys/balance.php":
            return self._answer(fmt, {"balance": BALANCE}, BALANCE)
        return self._send(params, fmt)

    @staticmethod
    def _raw(request: Request) -> str | None:
        """The query and the form together; None when the body is not percent-encoded."""
        try:
            body = request.body.decode("ascii")
        except UnicodeDecodeError:
            return None
        return "&".join(part for part in (request.query, body) if part)

    @staticmethod
    def _params(raw: str) -> dict[str, str] | None:
        """The parameters decoded in their ``charset`` (windows-1251 when absent); None when they cannot be."""
        charset = parse_qs(raw, encoding="latin-1").get("charset", ["windows-1251"])[0].lower()
        if charset not in CHARSETS:
            return None
        try:
            parsed = parse_qs(raw, keep_blank_values=True, encoding=CHARSETS[charset], errors="strict")
        except UnicodeDecodeError:
            return None
        return {key: values[-1] for key, values in parsed.items()}

    def _send(self, params: dict[str, str], fmt: str) -> Answer:
        phones, text, sender = params.get("phones", ""), params.get("mes", ""), params.get("sender", "")
        if not phones or not text or len(text) > MAX_TEXT:
            return self._error(1, fmt)
        message_id = next(self._ids)
        numbers = [phone.strip() for phone in re.split(r"[,;]", phones) if phone.strip()]
        if not numbers or not all(PHONE.fullmatch(number) for number in numbers):
            return self._error(7, fmt, message_id)
        if sender and sender not in self.senders:
            return self._error(6, fmt, message_id)
        if any(number.lstrip("+") == UNDELIVERABLE[1:] for number in numbers):
            return self._error(8, fmt, message_id)
        parts = sms_parts(text) * len(numbers)
        return self._answer(fmt, {"id": message_id, "cnt": parts}, f"OK - {parts} SMS, ID - {message_id}", {
            "provider": "smsc", "id": str(message_id), "to": ",".join(numbers), "from": sender or DEFAULT_SENDER,
            "text": text})

    @staticmethod
    def _answer(fmt: str, body: dict, line: str, sent: dict | None = None) -> Answer:
        return Answer(HTTPStatus.OK, body if fmt == "3" else line, sent)

    def _error(self, code: int, fmt: str, message_id: int | None = None) -> Answer:
        body: dict = {"error": DESCRIPTIONS[code], "error_code": code}
        if code in WITH_ID:
            body["id"] = message_id or next(self._ids)
        return self._answer(fmt, body, f"ERROR = {code} ({DESCRIPTIONS[code]})")


def sms_parts(text: str) -> int:
    """How many SMS SMSC bills: 160 Latin / 70 Cyrillic characters, 153 / 67 each once split."""
    single, split = (160, 153) if text.isascii() else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // split)
