"""The Telegram Bot API as the sandbox speaks it: getMe and sendMessage at ``/bot<token>/<method>`` (reference §6).

Chats: :data:`STARTED_CHAT` has started the bot and receives messages, :data:`BLOCKED_CHAT` blocked it, every other
id is unknown (``Bad Request: chat not found``) — a bot cannot write first.
"""

from __future__ import annotations

import secrets
import time
from http import HTTPStatus

STARTED_CHAT = 111000111
BLOCKED_CHAT = 222000222
MAX_TEXT = 4096


def error(status: int, description: str, parameters: dict | None = None) -> tuple[int, dict]:
    body: dict = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


UNAUTHORIZED = error(HTTPStatus.UNAUTHORIZED, "Unauthorized")
SERVER_ERROR = error(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")


def too_many(retry_after: int) -> tuple[int, dict]:
    return error(HTTPStatus.TOO_MANY_REQUESTS, f"Too Many Requests: retry after {retry_after}",
                 {"retry_after": retry_after})


class Telegram:
    def __init__(self, token: str, username: str = "fastlead_sandbox_bot") -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = username
        self._message_id = 0

    def authorized(self, token: str) -> bool:
        return secrets.compare_digest(token, self.token)

    def handle(self, method: str, params: dict) -> tuple[int, dict, dict | None]:
        """(status, body, a sent message to record or None) for an authorized call of ``method``."""
        if method == "getMe":
            return HTTPStatus.OK, {"ok": True, "result": {
                "id": self.bot_id, "is_bot": True, "first_name": "Fast Lead", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False,
            }}, None
        if method == "sendMessage":
            return self._send_message(params)
        return (*error(HTTPStatus.NOT_FOUND, "Not Found: method not found"), None)

    def _send_message(self, params: dict) -> tuple[int, dict, dict | None]:
        chat_id, text = params.get("chat_id"), params.get("text")
        if chat_id in (None, ""):
            return (*error(HTTPStatus.BAD_REQUEST, "Bad Request: chat_id is empty"), None)
        if not isinstance(text, str) or not text.strip():
            return (*error(HTTPStatus.BAD_REQUEST, "Bad Request: message text is empty"), None)
        if len(text) > MAX_TEXT:
            return (*error(HTTPStatus.BAD_REQUEST, "Bad Request: message is too long"), None)
        try:
            chat = int(chat_id)
        except (TypeError, ValueError):
            return (*error(HTTPStatus.BAD_REQUEST, "Bad Request: chat not found"), None)
        if chat == BLOCKED_CHAT:
            return (*error(HTTPStatus.FORBIDDEN, "Forbidden: bot was blocked by the user"), None)
        if chat != STARTED_CHAT:
            return (*error(HTTPStatus.BAD_REQUEST, "Bad Request: chat not found"), None)
        self._message_id += 1
        message = {"message_id": self._message_id, "date": int(time.time()), "text": text,
                   "from": {"id": self.bot_id, "is_bot": True, "first_name": "Fast Lead", "username": self.username},
                   "chat": {"id": chat, "first_name": "Иван", "type": "private"}}
        return HTTPStatus.OK, {"ok": True, "result": message}, {
            "provider": "telegram", "id": str(self._message_id), "to": str(chat), "from": self.username, "text": text}
