"""Shapes and helpers shared by the sandbox's YooKassa and T-Bank emulators."""

from __future__ import annotations

import datetime
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, TypeGuard
from urllib.parse import urlencode, urlsplit, urlunsplit

MAX_PAYMENTS = 2000  # per provider; the oldest go first
MAX_URL_LENGTH = 2048


@dataclass(frozen=True)
class Notice:
    """One notification to POST: a YooKassa event or a T-Bank status."""

    provider: str  # "yookassa" | "tinkoff"
    url: str
    payload: dict
    event: str  # YooKassa event ("payment.succeeded") or T-Bank Status ("CONFIRMED")
    payment_id: str


@dataclass
class Reply:
    """An API answer, plus the notifications to send once it has gone out."""

    status: int
    body: Any
    notices: list[Notice] = field(default_factory=list)


@dataclass
class Step:
    """Where a checkout action leaves the payment.

    ``kind``: "3ds" (show the code page), "final" (the outcome was just decided), "closed" (it had been
    decided before) or "missing" (no such payment). ``notices`` go out before the browser is
    redirected to ``redirect`` (empty: show the result page instead).
    """

    kind: str
    payment: dict | None = None
    redirect: str = ""
    notices: list[Notice] = field(default_factory=list)


class BoundedDict(OrderedDict):
    """An insertion-ordered dict that forgets its oldest entries beyond ``capacity`` (not thread-safe)."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        while len(self) > self.capacity:
            self.popitem(last=False)


def now_iso() -> str:
    """UTC time as YooKassa writes it: ``2026-01-10T10:00:00.000Z``."""
    now = datetime.datetime.now(datetime.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def http_url_ok(url: object) -> TypeGuard[str]:
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def add_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
