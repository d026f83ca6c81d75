import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_redis import get_redis_connection
from kombu import Connection

from .tasks import HEARTBEAT_KEY


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    get_redis_connection("platform").ping()


def _check_broker() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=settings.HEALTHZ_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1)


CHECKS = {"database": _check_database, "redis": _check_redis, "broker": _check_broker}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when PostgreSQL, Redis and the Celery broker answer, 503 with the failing part otherwise."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # any failure of a dependency is a "down" answer, never a 500
            results[name] = {"status": "down", "error": exc.__class__.__name__}
        else:
            results[name] = {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}
    healthy = all(result["status"] == "ok" for result in results.values())
    body: dict[str, Any] = {"status": "ok" if healthy else "down", "checks": results}
    if results["redis"]["status"] == "ok":
        last_beat = caches["platform"].get(HEARTBEAT_KEY)
        body["workerLastSeenSeconds"] = None if last_beat is None else round(time.time() - last_beat, 1)
    return JsonResponse(body, status=200 if healthy else 503)
