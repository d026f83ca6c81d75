"""Cal.com API v2 as the sandbox speaks it, and its booking webhooks (reference §9, §10).

As strict as Cal.com: ``Authorization: Bearer <key>`` only (no v1 ``?apiKey=``), ``GET /v2/me`` and
``GET /v2/event-types`` in the ``{"status": "success", "data": …}`` envelope; event types come as a list only with
``cal-api-version: 2024-06-14`` (without it the older ``eventTypeGroups`` shape is served); errors in the
``{"status": "error", "timestamp", "path", "error": {"code", "message", "details"}}`` envelope.

A visitor's booking is :meth:`CalCom.inbound`: the signed webhook Cal.com sends, built from the prefilled booking
link as the booker reads it (``name``, ``email``, ``metadata[...]``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from dev.channel_sandbox.base import Answer, Provider, Request, Webhook

DEFAULT_CALCOM = "cal_live_5a1db0c0ffee00000000000000f1ead0"
USER = {"id": 1001, "username": "fastlead-sandbox", "email": "owner@example.com", "name": "Клиника «Улыбка»",
        "timeZone": "Europe/Moscow", "locale": "ru", "organizationId": None}
EVENT_TYPES: tuple[dict[str, Any], ...] = (
    {"id": 7001, "slug": "konsultaciya", "title": "Консультация", "lengthInMinutes": 30},
    {"id": 7002, "slug": "osmotr", "title": "Осмотр", "lengthInMinutes": 60},
)
EVENT_TYPES_VERSION = "2024-06-14"
BOOKING_HOST = "cal.com"
TRIGGERS = ("BOOKING_CREATED", "BOOKING_RESCHEDULED", "BOOKING_CANCELLED")
WEBHOOK_VERSION = "2021-10-20"
NO_SECRET = "no-secret-provided"  # noqa: S105 - Cal.com's header value for an unsigned webhook
INVALID_KEY = "ApiAuthStrategy - api key - Your api key is not valid"
EXPIRED_KEY = "ApiAuthStrategy - api key - Your api key is expired"
MAX_BOOKINGS = 1000


def _iso(moment: datetime, *, millis: bool = False) -> str:
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds" if millis else "seconds")
    return text.replace("+00:00", "Z")


def error(status: int, code: str, message: str, path: str) -> Answer:
    """Cal.com's error envelope (the ``details`` part as observed, reference §9)."""
    return Answer(status, {"status": "error", "timestamp": _iso(datetime.now(UTC), millis=True), "path": path,
                           "error": {"code": code, "message": message,
                                     "details": {"message": message, "error": HTTPStatus(status).phrase,
                                                 "statusCode": status}}})


class CalCom(Provider):
    name = "calcom"

    def __init__(self, api_key: str = DEFAULT_CALCOM) -> None:
        self.api_key = api_key
        self._bookings: OrderedDict[str, dict] = OrderedDict()  # uid → the booking's payload
        self._booking_id = 0

    def fault(self, mode: str) -> Answer:
        if mode == "revoked":
            return error(HTTPStatus.UNAUTHORIZED, "UnauthorizedException", EXPIRED_KEY, "/v2")
        if mode == "rate_limit":
            return error(HTTPStatus.TOO_MANY_REQUESTS, "ThrottlerException", "ThrottlerException: Too Many Requests",
                         "/v2")
        return error(HTTPStatus.INTERNAL_SERVER_ERROR, "InternalServerErrorException", "Internal server error", "/v2")

    def handle(self, request: Request) -> Answer:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not secrets.compare_digest(key.encode(), self.api_key.encode()):
            return error(HTTPStatus.UNAUTHORIZED, "UnauthorizedException", INVALID_KEY, request.path)
        if request.method == "GET" and request.path == "/v2/me":
            return Answer(HTTPStatus.OK, {"status": "success", "data": USER})
        if request.method == "GET" and request.path == "/v2/event-types":
            if request.headers.get("cal-api-version") == EVENT_TYPES_VERSION:
                data: list | dict = [self._event_type(item) for item in EVENT_TYPES]
            else:  # an older version's shape
                data = {"eventTypeGroups": [{"profile": {"slug": USER["username"]},
                                             "eventTypes": [{"id": item["id"], "slug": item["slug"],
                                                             "title": item["title"],
                                                             "length": item["lengthInMinutes"]}
                                                            for item in EVENT_TYPES]}]}
            return Answer(HTTPStatus.OK, {"status": "success", "data": data})
        return error(HTTPStatus.NOT_FOUND, "NotFoundException", f"Cannot {request.method} {request.path}",
                     request.path)

    @staticmethod
    def _event_type(item: dict) -> dict:
        return {**item, "description": "", "locations": [], "bookingFields": [], "disableGuests": False,
                "ownerId": USER["id"], "users": [USER["username"]], "hidden": False}

    # --- a visitor books ----------------------------------------------------------------------------------------

    def inbound(self, params: dict) -> Webhook:
        """Params: ``url`` (our webhook), ``secret`` (as pasted into Cal.com; empty → unsigned), ``event``
        (BOOKING_CREATED by default), ``start`` (ISO); CREATED needs ``bookingUrl`` (the prefilled link) and may
        take ``name``, ``email`` (typed by the visitor) and ``uid``; RESCHEDULED and CANCELLED need the ``uid``
        of an earlier booking (RESCHEDULED may take ``newUid``); ``cancellationReason``, ``createdAt`` optional."""
        url, event = str(params.get("url", "")), str(params.get("event") or "BOOKING_CREATED")
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("url — адрес вебхука (http или https).")
        if event not in TRIGGERS:
            raise ValueError(f"event — одно из: {', '.join(TRIGGERS)}.")
        created_at = str(params.get("createdAt") or _iso(datetime.now(UTC), millis=True))
        if event == "BOOKING_CREATED":
            payload = self._created(params)
        else:
            previous = self._bookings.get(str(params.get("uid", "")))
            if previous is None:
                raise ValueError("uid — бронирование, созданное в песочнице раньше.")
            payload = self._rescheduled(previous, params) if event == "BOOKING_RESCHEDULED" else \
                self._cancelled(previous, params)
        body = json.dumps({"triggerEvent": event, "createdAt": created_at, "payload": payload},
                          ensure_ascii=False, separators=(",", ":")).encode()
        secret = str(params.get("secret", ""))
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() if secret else NO_SECRET
        return Webhook(url, body, {"Content-Type": "application/json", "X-Cal-Signature-256": signature,
                                   "X-Cal-Webhook-Version": WEBHOOK_VERSION})

    def _created(self, params: dict) -> dict:
        link = urlsplit(str(params.get("bookingUrl", "")))
        event_type = next((item for item in EVENT_TYPES
                           if link.netloc == BOOKING_HOST and link.path == f"/{USER['username']}/{item['slug']}"),
                          None)
        if event_type is None:
            raise ValueError(f"bookingUrl — страница типа встречи: https://{BOOKING_HOST}/{USER['username']}/<slug>.")
        query = parse_qsl(link.query, keep_blank_values=True)
        fields = {key: value for key, value in query if not key.startswith("metadata[")}
        metadata = {key[len("metadata["):-1]: value for key, value in query
                    if key.startswith("metadata[") and key.endswith("]")}
        # What the visitor types into the booking form wins over the prefill.
        name = str(params.get("name") or fields.get("name", "")).strip()
        email = str(params.get("email") or fields.get("email", "")).strip()
        if not name or "@" not in email:
            raise ValueError("Cal.com требует имя и e-mail: в ссылке нет name или email.")
        start = self._start(params)
        self._booking_id += 1
        uid = str(params.get("uid") or f"sbx{self._booking_id:06d}{secrets.token_hex(4)}")
        payload = {
            "bookingId": self._booking_id, "uid": uid, "type": event_type["slug"], "title": event_type["title"],
            "eventTitle": event_type["title"], "eventTypeId": event_type["id"],
            "length": event_type["lengthInMinutes"], "price": 0, "currency": "usd", "location": "",
            "startTime": _iso(start), "endTime": _iso(start + timedelta(minutes=event_type["lengthInMinutes"])),
            "organizer": {"id": USER["id"], "name": USER["name"], "email": USER["email"],
                          "username": USER["username"], "timeZone": USER["timeZone"],
                          "language": {"locale": "ru"}, "utcOffset": 180},
            "attendees": [{"email": email, "name": name, "firstName": "", "lastName": "",
                           "timeZone": "Europe/Moscow", "language": {"locale": "ru"}, "utcOffset": 180}],
            "responses": {"name": {"label": "Ваше имя", "value": name},
                          "email": {"label": "Адрес электронной почты", "value": email}},
            "metadata": metadata, "status": "ACCEPTED",
        }
        self._keep(payload)
        return payload

    def _rescheduled(self, previous: dict, params: dict) -> dict:
        start = self._start(params)
        self._booking_id += 1
        payload = {**previous, "bookingId": self._booking_id,
                   "uid": str(params.get("newUid") or f"sbx{self._booking_id:06d}{secrets.token_hex(4)}"),
                   "startTime": _iso(start), "endTime": _iso(start + timedelta(minutes=previous["length"])),
                   "rescheduleId": previous["bookingId"], "rescheduleUid": previous["uid"],
                   "rescheduleStartTime": previous["startTime"], "rescheduleEndTime": previous["endTime"],
                   "rescheduledBy": previous["attendees"][0]["email"]}
        self._keep({key: value for key, value in payload.items() if not key.startswith("reschedule")})
        return payload

    def _cancelled(self, previous: dict, params: dict) -> dict:
        payload = {key: value for key, value in previous.items() if key != "metadata"}  # not sent on CANCELLED
        payload.update({"status": "CANCELLED", "cancelledBy": previous["attendees"][0]["email"],
                        "cancellationReason": str(params.get("cancellationReason", "")),
                        "requestReschedule": False})
        return payload

    @staticmethod
    def _start(params: dict) -> datetime:
        try:
            start = datetime.fromisoformat(str(params.get("start", "")))
        except ValueError as exc:
            raise ValueError("start — время встречи в ISO 8601 с часовым поясом.") from exc
        if start.tzinfo is None:
            raise ValueError("start — время встречи в ISO 8601 с часовым поясом.")
        return start

    def _keep(self, payload: dict) -> None:
        self._bookings[payload["uid"]] = payload
        while len(self._bookings) > MAX_BOOKINGS:
            self._bookings.popitem(last=False)
