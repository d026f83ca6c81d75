"""Fixed-window counters in Redis (the platform cache alias: shared by every process and schema)."""

from dataclasses import dataclass

from django.core.cache import caches
from django_redis import get_redis_connection


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int


class RateLimit:
    def __init__(self, name: str, limit: int, window_seconds: int) -> None:
        self.name = name
        self.limit = limit
        self.window = window_seconds

    def _key(self, subject: str) -> str:
        return f"ratelimit:{self.name}:{subject}"

    def _client(self):
        return get_redis_connection("platform", write=True)

    def _redis_key(self, subject: str) -> str:
        return caches["platform"].make_key(self._key(subject))

    def hit(self, subject: str) -> Verdict:
        """Count one event; allowed while the count in the current window stays within the limit."""
        client, key = self._client(), self._redis_key(subject)
        pipeline = client.pipeline()
        pipeline.incr(key)
        pipeline.expire(key, self.window, nx=True)
        pipeline.ttl(key)
        count, _, ttl = pipeline.execute()
        return Verdict(allowed=count <= self.limit, retry_after=max(int(ttl), 1))

    def peek(self, subject: str) -> Verdict:
        """Is the subject already over the limit? Counts nothing."""
        client, key = self._client(), self._redis_key(subject)
        count = int(client.get(key) or 0)
        if count < self.limit:
            return Verdict(allowed=True, retry_after=0)
        return Verdict(allowed=False, retry_after=max(int(client.ttl(key)), 1))

    def reset(self, subject: str) -> None:
        self._client().delete(self._redis_key(subject))
