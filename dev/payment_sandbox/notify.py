"""Notification delivery: POST with a few retries, every attempt recorded."""

from __future__ import annotations

import datetime
import http.client
import json
import logging
import queue
import threading
from collections import deque
from urllib.parse import urlsplit, urlunsplit

from dev.payment_sandbox.common import Notice

logger = logging.getLogger(__name__)

MAX_DELIVERIES = 2000  # attempts kept for /_sandbox/deliveries
MAX_QUEUED = 500  # background batches waiting to be sent
MAX_REPLY_BYTES = 4096
RESPONSE_WAIT_SECONDS = 10  # how long a queued batch waits for its API response to go out


def _accepted(provider: str, status: int | None, body: bytes) -> bool:
    if status is None:
        return False
    if provider == "tinkoff":
        # T-Bank wants exactly "OK": "ok", "OK\n" or a JSON body is a failed delivery.
        return status == 200 and body == b"OK"
    # YooKassa: brief §1 "Notifications" — "Acknowledgement: any HTTP 200 (the body is ignored). Anything else is
    # redelivered for 24 h" (and §4.11: "non-200 (YooKassa) … triggers redelivery"). 201 or 204 is not 200.
    return status == 200


def _post(url: str, body: bytes, timeout: float) -> tuple[int | None, bytes, str]:
    """POST without proxies or redirects; returns (HTTP status or None, body, error text)."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.request("POST", urlunsplit(("", "", parts.path or "/", parts.query, "")), body=body, headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "FastLeadPaymentSandbox/1.0",
        })
        response = connection.getresponse()
        return response.status, response.read(MAX_REPLY_BYTES), ""
    except (OSError, http.client.HTTPException) as exc:
        return None, b"", f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()


class Notifier:
    """Sends notices now (checkout) or from a background thread (API calls), honouring the switches.

    ``duplicate`` sends every batch twice; ``out_of_order`` reverses each batch (T-Bank's
    CONFIRMED before AUTHORIZED); ``lost`` sends nothing at all — every notice is recorded as lost, the way
    a notification that never arrives looks to the shop (brief §4.1: state then comes only from GET/GetState).
    """

    def __init__(self, *, attempts: int, retry_delay: float, timeout: float, stopping: threading.Event) -> None:
        self.attempts = max(1, attempts)
        self.retry_delay = retry_delay
        self.timeout = timeout
        self.duplicate = False
        self.out_of_order = False
        self.lost = False
        self._stopping = stopping
        self._log: deque[dict] = deque(maxlen=MAX_DELIVERIES)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._queue: queue.Queue[tuple[list[Notice], threading.Event] | None] = queue.Queue(MAX_QUEUED)
        self._worker = threading.Thread(target=self._work, name="payment-sandbox-notify", daemon=True)
        self._worker.start()

    def send(self, notices: list[Notice]) -> None:
        """Deliver now, in the calling thread."""
        batch = list(reversed(notices)) if self.out_of_order else list(notices)
        for notice in batch * (2 if self.duplicate else 1):
            self._deliver(notice)

    def send_later(self, notices: list[Notice], after: threading.Event) -> None:
        """Deliver from the background thread once ``after`` is set (the API response has gone out).

        The batch counts as pending at once, so :meth:`wait_idle` right after the response sees it.
        """
        if not notices:
            return
        with self._lock:
            self._pending += 1
        try:
            self._queue.put_nowait((notices, after))
        except queue.Full:
            self._done()
            for notice in notices:
                self._record(notice, 0, None, b"", "очередь уведомлений переполнена", delivered=False)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every background batch has been delivered (or given up on)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def deliveries(self) -> list[dict]:
        with self._lock:
            return list(self._log)

    def clear(self) -> None:
        with self._lock:
            self._log.clear()

    def close(self) -> None:
        try:
            self._queue.put(None, timeout=1)
        except queue.Full:
            return
        self._worker.join(timeout=5)

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            notices, after = item
            try:
                after.wait(RESPONSE_WAIT_SECONDS)
                self.send(notices)
            except Exception:
                logger.exception("payment_sandbox_notify_failed")
            finally:
                self._done()

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def _deliver(self, notice: Notice) -> None:
        if self.lost:
            self._record(notice, 0, None, b"", "потеряно: включён переключатель lost", delivered=False)
            return
        body = json.dumps(notice.payload, ensure_ascii=False).encode()
        for attempt in range(1, self.attempts + 1):
            status, reply, error = _post(notice.url, body, self.timeout)
            delivered = _accepted(notice.provider, status, reply)
            self._record(notice, attempt, status, reply, error, delivered=delivered)
            if delivered or attempt == self.attempts or self._stopping.wait(self.retry_delay):
                return

    def _record(
        self, notice: Notice, attempt: int, status: int | None, reply: bytes, error: str, *, delivered: bool
    ) -> None:
        entry = {
            "provider": notice.provider,
            "url": notice.url,
            "event": notice.event,
            "payment_id": notice.payment_id,
            "attempt": attempt,
            "http_status": status,
            "response": reply[:500].decode("utf-8", "replace"),
            "error": error,
            "delivered": delivered,
            "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
            "payload": notice.payload,
        }
        with self._lock:
            self._log.append(entry)
        logger.debug("payment_sandbox_notify %s %s %s attempt=%s status=%s", notice.provider, notice.event,
                     notice.payment_id, attempt, status)
