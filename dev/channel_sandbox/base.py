"""What one emulated provider of the channel sandbox implements; the server routes ``/<name>/...`` to it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from email.message import Message
from typing import ClassVar
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # after the provider's prefix: "/2010-04-01/Accounts/AC…/Messages.json"
    query: str
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def form(self) -> dict[str, list[str]]:
        try:
            return parse_qs(self.body.decode(), keep_blank_values=True) if self.body else {}
        except UnicodeDecodeError:
            return {}


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict | list | str
    sent: dict | None = None  # a message the provider accepted: {"provider", "id", "to", "from", "text", ...}
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Webhook:
    """An HTTP request the sandbox makes to our app, as the provider would (an inbound message, a delivery report)."""

    url: str
    body: bytes
    headers: dict[str, str]
    method: str = "POST"


class Provider(ABC):
    """One provider's API under ``/<name>/``. The server holds its lock while calling any method."""

    name: ClassVar[str]

    @abstractmethod
    def handle(self, request: Request) -> Answer:
        """The provider's answer to one API call."""

    @abstractmethod
    def fault(self, mode: str) -> Answer:
        """The provider's own answer for a switched-on fault: ``http_500``, ``rate_limit`` or ``revoked``."""

    def inbound(self, params: dict) -> Webhook:
        """The webhook the provider would send when a person writes ``params["text"]`` from ``params["from"]``;
        ValueError (Russian) when it cannot (no webhook registered, bad parameters)."""
        raise ValueError(f"{self.name}: входящие сообщения в песочнице не поддерживаются.")
