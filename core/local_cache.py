"""What every request reads before its view — the host's workspace, the caller and their role, the account's
subscription — kept in this process's memory for ``HOT_CACHE_SECONDS``, so a request does not pay a database
round trip for each.

Freshness: a change made in this process drops the entries at once and again when its transaction commits (the
owners connect their models' signals to :meth:`LocalCache.clear`); a change made by another process is seen within
``HOT_CACHE_SECONDS``. Inside a transaction nothing is cached or served from the cache: what it reads may be its own
uncommitted change, which a rollback would leave in the cache.

Each read gets its own copy (the value is kept pickled), so a view that changes the object it was given changes
nobody else's.
"""

import pickle
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import connection, transaction

V = TypeVar("V")

MAX_ENTRIES = 10_000  # a bound on memory should a process see that many hosts or members within the lifetime
_every: list["LocalCache"] = []


def forget_all() -> None:
    """Empty every cache of this process (tests: their rows are rolled back or flushed without signals)."""
    for cache in _every:
        cache._forget()


class LocalCache(Generic[V]):
    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[float, bytes]] = {}
        self._generation = 0
        self._lock = threading.Lock()
        _every.append(self)

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        if connection.in_atomic_block:
            return load()
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return pickle.loads(entry[1])  # noqa: S301 (this process's own pickle)
        generation = self._generation
        value = load()
        with self._lock:
            if generation == self._generation:  # not cleared while loading: the value is not older than a change
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
                self._entries[key] = (now + settings.HOT_CACHE_SECONDS, pickle.dumps(value))
        return value

    def clear(self, **_signal_kwargs: object) -> None:
        """Forget everything now, and once more when the current transaction commits (a concurrent read in between
        may have cached what the change replaces). Connect it to a model's signals with ``weak=False``."""
        self._forget()
        transaction.on_commit(self._forget)

    def _forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
