"""The widget's config and loader answered from Redis before host routing, sessions and billing: no SQL at all.

An entry holds a response's bytes as the view made them (status, body, its gzip, ETag, Cache-Control), in one
Redis hash per widget key: ``config`` (the current config, or the refusal of a widget switched off by billing)
and ``v<N>`` (a published version). The view fills an entry on a miss; ``middleware.WidgetEdgeMiddleware``
answers from it. Every change of what an entry says — a publish, the subscription's status, the workspace's
account, its deletion — calls :func:`invalidate` (the receivers below), which, once the change is committed,
bumps the key's generation and drops its entries. A fill is written only if the generation it read before
reading the database is still current, so a reader that saw the old rows never writes them back after the change.
Inside a transaction nothing is read from or written to the store: what it sees may be its own uncommitted change.

While Redis is unreachable the views answer from the database; an invalidation that could not reach Redis is
outlived by the entries' lifetime (``ENTRY_SECONDS``).
"""

import contextlib
import gzip
import logging
import pickle
import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from django_redis import get_redis_connection

from billing.models import Subscription
from core.cache import REDIS_UNAVAILABLE
from shared_apps.tenancy.models import Tenant

from .models import PublishedConfig, WidgetPublication

logger = logging.getLogger(__name__)

ENTRY_SECONDS = 600
GENERATION_SECONDS = 24 * 3600  # any lifetime is safe: a fill only needs the generation not to change under it
GZIP_FROM_BYTES = 200
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Written only when the generation read before the database read is still the current one.
FILL_IF_CURRENT = """
if (redis.call('GET', KEYS[2]) or '') == ARGV[1] then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
"""


class Rendered(NamedTuple):
    status: int
    content_type: str
    body: bytes
    gzipped: bytes  # b"": too small to be worth it
    etag: str  # '"…"' or ""
    cache_control: str


def rendered(status: int, content_type: str, body: bytes, etag: str, cache_control: str) -> Rendered:
    packed = gzip.compress(body, compresslevel=9, mtime=0) if len(body) >= GZIP_FROM_BYTES else b""
    return Rendered(status, content_type, body, packed, etag, cache_control)


def _keys(public_key: str) -> tuple[str, str]:
    platform = caches["platform"]
    return platform.make_key(f"widget:{public_key}"), platform.make_key(f"widget-generation:{public_key}")


def _redis():
    return get_redis_connection("platform", write=True)


def peek(public_key: str, part: str) -> Rendered | None:
    """The stored entry, or None (a miss, or Redis unreachable): the hot path's only round trip."""
    if connection.in_atomic_block:
        return None
    try:
        raw = _redis().hget(_keys(public_key)[0], part)
    except REDIS_UNAVAILABLE:
        return None
    return Rendered(*pickle.loads(raw)) if raw is not None else None  # noqa: S301 (our own Redis, our own bytes)


def cached(public_key: str, part: str, build: Callable[[], Rendered | None]) -> Rendered | None:
    """The entry, built from the database on a miss and stored unless it changed meanwhile (None: not stored)."""
    if connection.in_atomic_block:
        return build()
    entries, generation = _keys(public_key)
    try:
        client = _redis()
        raw, seen = client.pipeline().hget(entries, part).get(generation).execute()
    except REDIS_UNAVAILABLE:
        return build()
    if raw is not None:
        return Rendered(*pickle.loads(raw))  # noqa: S301
    fresh = build()
    if fresh is not None:
        with contextlib.suppress(*REDIS_UNAVAILABLE):
            client.eval(FILL_IF_CURRENT, 2, entries, generation, (seen or b"").decode(), part,
                        pickle.dumps(tuple(fresh)), ENTRY_SECONDS)
    return fresh


def _drop(public_keys: list[str]) -> None:
    try:
        pipeline = _redis().pipeline(transaction=False)
        for public_key in public_keys:
            entries, generation = _keys(public_key)
            pipeline.incr(generation).expire(generation, GENERATION_SECONDS).delete(entries)
        pipeline.execute()
    except REDIS_UNAVAILABLE as exc:
        logger.warning("widget_cache_invalidation_failed",
                       extra={"error": type(exc).__name__, "keys": len(public_keys), "expires_in": ENTRY_SECONDS})


def invalidate(public_keys: Iterable[str]) -> None:
    """Forget what is stored for these widgets once the change is committed (at once outside a transaction)."""
    keys = list(public_keys)
    if keys:
        transaction.on_commit(lambda: _drop(keys))


def not_modified(request: HttpRequest, etag: str) -> bool:
    """If-None-Match compares weakly (RFC 9110): a gzipped answer's W/"…" still matches."""
    wanted = request.headers.get("If-None-Match")
    if not wanted or not etag:
        return False
    return any(candidate in (etag, "*") for candidate in
               (tag.removeprefix("W/") for tag in parse_etags(wanted)))


def respond(request: HttpRequest, entry: Rendered) -> HttpResponse:
    """The stored answer, gzipped for the clients that accept it, 304 when the client has it."""
    if not_modified(request, entry.etag):
        response: HttpResponse = HttpResponseNotModified()
    else:
        packed = bool(entry.gzipped) and bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
        body = entry.gzipped if packed else entry.body
        response = HttpResponse(body, status=entry.status, content_type=entry.content_type)
        response["Content-Length"] = str(len(body))
        if packed:
            response["Content-Encoding"] = "gzip"
    if entry.etag:
        response["ETag"] = f"W/{entry.etag}" if response.get("Content-Encoding") else entry.etag
    if entry.gzipped:
        response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = entry.cache_control
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- what changes an entry ---------------------------------------------------------------------------------------


def publication_changed(sender: type, instance: WidgetPublication, **kwargs) -> None:
    """A publish, an edit in the admin, a deletion (with its workspace's, by cascade)."""
    invalidate([instance.public_key])


def version_changed(sender: type, instance: PublishedConfig, created: bool = False, **kwargs) -> None:
    """An edit or deletion of a stored version. A new one needs nothing: a missing version is never stored, and the
    publish that made it saves the publication too."""
    if created:
        return
    invalidate(WidgetPublication.objects.filter(pk=instance.publication_id).values_list("public_key", flat=True))


def tenant_changed(sender: type, instance: Tenant, created: bool = False, **kwargs) -> None:
    """The workspace's account decides whether billing lets its widget show (a new workspace has no widget yet)."""
    if created:
        return
    invalidate(WidgetPublication.objects.filter(tenant_id=instance.pk).values_list("public_key", flat=True))


def subscription_changed(sender: type, instance: Subscription, update_fields: frozenset | None = None,
                         **kwargs) -> None:
    """Blocked or canceled switches the account's widgets off (billing.entitlements.widget_enabled), paid on."""
    if update_fields is not None and "status" not in update_fields:
        return
    invalidate(WidgetPublication.objects.filter(tenant__account_id=instance.account_id)
               .values_list("public_key", flat=True))
