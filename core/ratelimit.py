"""Rate limits in Redis (the platform cache alias: shared by every process and schema), degrading to this process's
memory while Redis is unreachable: a limit then counts per process, but it never turns into an error.

Two kinds: :class:`RateLimit`, a fixed-window counter, and :class:`ProgressiveDelay`, a few free attempts and then
a doubling wait between attempts. Both count atomically, before the guarded work is done.
"""

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from django.conf import settings
from django.core.cache import caches
from django_redis import get_redis_connection

from .cache import REDIS_UNAVAILABLE

logger = logging.getLogger(__name__)

T = TypeVar("T")
# A stored value and its new lifetime in seconds (None: leave the value as it is), and what to answer.
Change = Callable[[str | None, float], tuple[str | None, float, T]]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int


class _Store(Protocol):
    def incr(self, key: str, window: int) -> tuple[int, float]:
        """Count one; the new count and the seconds left in its window."""
        ...

    def count(self, key: str) -> tuple[int, float]: ...

    def incr_and_read(self, key: str, window: int, reads: list[str]) -> tuple[int, float, list[bytes | None] | None]:
        """``incr`` and the raw values of ``reads`` in the same round trip (None: no Redis to read them from)."""
        ...

    def decr(self, key: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def update(self, key: str, change: Change[T]) -> T:
        """Read, change and write one value atomically; ``change`` gets the value (or None) and the time."""
        ...


class _RedisStore:
    def __init__(self) -> None:
        self.client = get_redis_connection("platform", write=True)

    def incr(self, key: str, window: int) -> tuple[int, float]:
        count, ttl, _ = self.incr_and_read(key, window, [])
        return count, ttl

    def incr_and_read(self, key: str, window: int, reads: list[str]) -> tuple[int, float, list[bytes | None] | None]:
        pipeline = self.client.pipeline()
        pipeline.incr(key)
        pipeline.expire(key, window, nx=True)
        pipeline.ttl(key)
        for read in reads:
            pipeline.get(read)
        count, _, ttl, *values = pipeline.execute()
        return int(count), float(ttl), values

    def count(self, key: str) -> tuple[int, float]:
        pipeline = self.client.pipeline()
        pipeline.get(key)
        pipeline.ttl(key)
        count, ttl = pipeline.execute()
        return int(count or 0), float(ttl)

    def decr(self, key: str) -> None:
        # A counter that has expired meanwhile stays gone (DECR would recreate it at -1, forever).
        self.client.eval("if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DECR', KEYS[1]) end", 1, key)

    def delete(self, key: str) -> None:
        self.client.delete(key)

    def update(self, key: str, change: Change[T]) -> T:
        def attempt(pipeline) -> T:  # WATCH: a concurrent write to the key makes this run again
            raw = pipeline.get(key)
            seconds, microseconds = pipeline.time()  # one clock for every web process
            value, ttl, answer = change(raw.decode() if raw is not None else None, seconds + microseconds / 1e6)
            pipeline.multi()
            if value is not None:
                pipeline.set(key, value, px=max(1, math.ceil(ttl * 1000)))
            return answer

        return self.client.transaction(attempt, key, value_from_callable=True)


class _MemoryStore:
    """The same operations on a dict of (value, expiry) in this process, for while Redis is down."""

    SWEEP_SECONDS = 60

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[str, float]] = {}
        self._next_sweep = 0.0

    def _get(self, key: str, now: float) -> str | None:
        if now >= self._next_sweep:  # forget what expired, so a long outage does not grow the process
            self._items = {k: item for k, item in self._items.items() if item[1] > now}
            self._next_sweep = now + self.SWEEP_SECONDS
        value, expires_at = self._items.get(key, ("", 0.0))
        if expires_at <= now:
            self._items.pop(key, None)
            return None
        return value

    def incr(self, key: str, window: int) -> tuple[int, float]:
        with self._lock:
            now = time.time()
            current = self._get(key, now)
            expires_at = self._items[key][1] if current is not None else now + window
            count = int(current or 0) + 1
            self._items[key] = (str(count), expires_at)
            return count, expires_at - now

    def incr_and_read(self, key: str, window: int, reads: list[str]) -> tuple[int, float, list[bytes | None] | None]:
        count, ttl = self.incr(key, window)
        return count, ttl, None

    def count(self, key: str) -> tuple[int, float]:
        with self._lock:
            now = time.time()
            current = self._get(key, now)
            return (int(current), self._items[key][1] - now) if current is not None else (0, -2.0)

    def decr(self, key: str) -> None:
        with self._lock:
            current = self._get(key, time.time())
            if current is not None:
                self._items[key] = (str(int(current) - 1), self._items[key][1])

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def update(self, key: str, change: Change[T]) -> T:
        with self._lock:
            now = time.time()
            value, ttl, answer = change(self._get(key, now), now)
            if value is not None:
                self._items[key] = (value, now + ttl)
            return answer


@dataclass
class _Outage:
    retry_at: float
    memory: _MemoryStore


_outages: dict[str, _Outage] = {}  # by Redis location
_outages_lock = threading.Lock()


def _with_store(operation: Callable[[_Store], T]) -> T:
    """Run on Redis; while it is unreachable, on this process's memory (one warning per outage, one retry of Redis
    every RATELIMIT_REDIS_RETRY_SECONDS)."""
    location = str(settings.CACHES["platform"]["LOCATION"])
    outage = _outages.get(location)
    if outage is None or outage.retry_at <= time.monotonic():
        try:
            answer = operation(_RedisStore())
        except REDIS_UNAVAILABLE as exc:
            with _outages_lock:
                outage = _outages.get(location)
                if outage is None:
                    outage = _outages[location] = _Outage(0.0, _MemoryStore())
                    logger.warning("ratelimit_redis_unavailable",
                                   extra={"error": type(exc).__name__, "fallback": "process memory"})
                outage.retry_at = time.monotonic() + settings.RATELIMIT_REDIS_RETRY_SECONDS
        else:
            if outage is not None and _outages.pop(location, None) is not None:
                logger.info("ratelimit_redis_back")
            return answer
    return operation(outage.memory)


def _redis_key(name: str, subject: str) -> str:
    return caches["platform"].make_key(f"ratelimit:{name}:{subject}")


def _decode(raw: bytes) -> Any:
    """A value as the platform cache (django-redis) stored it."""
    return cast(Any, caches["platform"]).client.decode(raw)


def _seconds(ttl: float) -> int:
    return max(1, math.ceil(ttl))


class RateLimit:
    """At most ``limit`` events per subject in a fixed window of ``window_seconds``."""

    def __init__(self, name: str, limit: int, window_seconds: int) -> None:
        self.name = name
        self.limit = limit
        self.window = window_seconds

    def hit(self, subject: str) -> Verdict:
        """Count one event; allowed while the count in the current window stays within the limit (each concurrent
        caller gets its own count, so exactly ``limit`` of them are allowed)."""
        count, ttl = _with_store(lambda store: store.incr(_redis_key(self.name, subject), self.window))
        return Verdict(allowed=count <= self.limit, retry_after=_seconds(ttl))

    def hit_and_read(self, subject: str, keys: list[str]) -> tuple[Verdict, list[Any] | None]:
        """:meth:`hit`, and the values of these platform-cache keys read in the same Redis round trip (a missing key
        reads None); the list is None while Redis is unreachable: the caller asks where the values come from."""
        cache = caches["platform"]
        count, ttl, raw = _with_store(lambda store: store.incr_and_read(
            _redis_key(self.name, subject), self.window, [cache.make_key(key) for key in keys]))
        values = None if raw is None else [None if value is None else _decode(value) for value in raw]
        return Verdict(allowed=count <= self.limit, retry_after=_seconds(ttl)), values

    def peek(self, subject: str) -> Verdict:
        """Is the subject already over the limit? Counts nothing."""
        count, ttl = _with_store(lambda store: store.count(_redis_key(self.name, subject)))
        if count < self.limit:
            return Verdict(allowed=True, retry_after=0)
        return Verdict(allowed=False, retry_after=_seconds(ttl))

    def undo(self, subject: str) -> None:
        """Give one counted event back (it turned out not to be what the limit is about)."""
        _with_store(lambda store: store.decr(_redis_key(self.name, subject)))

    def reset(self, subject: str) -> None:
        _with_store(lambda store: store.delete(_redis_key(self.name, subject)))


def hit_each(*limits: tuple[RateLimit, str | None]) -> Verdict:
    """Count one event under each limit whose subject is known (per IP, per address …); refused at the first one
    that is over."""
    for limit, subject in limits:
        if subject:
            verdict = limit.hit(subject)
            if not verdict.allowed:
                return verdict
    return Verdict(allowed=True, retry_after=0)


class ProgressiveDelay:
    """``free`` attempts at once, then each further attempt waits for the previous one: ``base_seconds``, twice
    that, … up to ``cap_seconds``. Forgotten after ``memory_seconds`` without attempts, or on :meth:`reset`.

    An attempt is claimed before the guarded work, atomically: of concurrent attempts only the allowed number
    go through. Nothing is ever locked for longer than ``cap_seconds``.
    """

    def __init__(self, name: str, *, free: int, base_seconds: int, cap_seconds: int, memory_seconds: int) -> None:
        self.name = name
        self.free = free
        self.base = base_seconds
        self.cap = cap_seconds
        self.memory = memory_seconds

    def delay_after(self, attempts: int) -> int:
        """The wait before the next attempt once ``attempts`` were made (0 while free ones are left)."""
        if attempts < self.free:
            return 0
        return min(self.cap, self.base * 2 ** min(attempts - self.free, 32))

    def _claim(self, raw: str | None, now: float) -> tuple[str | None, float, Verdict]:
        attempts, not_before = (int(raw.split()[0]), float(raw.split()[1])) if raw else (0, 0.0)
        if now < not_before:
            return None, 0.0, Verdict(allowed=False, retry_after=_seconds(not_before - now))
        attempts += 1
        not_before = now + self.delay_after(attempts)
        return f"{attempts} {not_before}", not_before - now + self.memory, Verdict(allowed=True, retry_after=0)

    def claim(self, subject: str) -> Verdict:
        """Allowed: go on (the attempt is counted). Refused: wait ``retry_after`` seconds."""
        return _with_store(lambda store: store.update(_redis_key(self.name, subject), self._claim))

    def reset(self, subject: str) -> None:
        _with_store(lambda store: store.delete(_redis_key(self.name, subject)))


class TokenBucket:
    """Up to ``burst`` events at once, refilled at ``per_minute``: a campaign's spike goes through, a sustained flood
    does not. The bucket is stored as "tokens time" (Redis's clock); a bucket forgotten after it refilled is full."""

    def __init__(self, name: str, *, per_minute: int, burst: int) -> None:
        self.name = name
        self.per_second = per_minute / 60
        self.burst = burst

    def _take(self, raw: str | None, now: float) -> tuple[str | None, float, Verdict]:
        tokens, then = (float(part) for part in raw.split()) if raw else (float(self.burst), now)
        tokens = min(float(self.burst), tokens + max(0.0, now - then) * self.per_second)
        if tokens < 1:
            return None, 0.0, Verdict(allowed=False, retry_after=_seconds((1 - tokens) / self.per_second))
        tokens -= 1
        return f"{tokens} {now}", (self.burst - tokens) / self.per_second + 1, Verdict(allowed=True, retry_after=0)

    def take(self, subject: str) -> Verdict:
        """One event: allowed while a token is left (and it is spent), else wait ``retry_after`` seconds."""
        return _with_store(lambda store: store.update(_redis_key(self.name, subject), self._take))

    def reset(self, subject: str) -> None:
        _with_store(lambda store: store.delete(_redis_key(self.name, subject)))
