"""The platform's technical state, read at each scrape: database connections, the cache's hits, the Celery
queues and the transactional outbox (Celery's task outcomes: ``task_outcomes``)."""

from collections.abc import Iterable, Iterator
from typing import Protocol

import redis
from django.conf import settings
from django.db import connection
from django.db.models import Count, Min, Q
from django.utils import timezone
from django_redis import get_redis_connection
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from ..models import OutboxMessage
from .task_outcomes import TaskOutcomes


class Collector(Protocol):
    def collect(self) -> Iterable[Metric]: ...


# kombu's Redis transport keeps a message sent with a priority in a list of its own beside the queue's.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


class DatabaseConnections:
    """Connections to our database by state, against the server's limit: how full the pool is."""

    def collect(self) -> Iterator[Metric]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
                           "WHERE datname = current_database() GROUP BY 1")
            by_state = cursor.fetchall()
            cursor.execute("SELECT current_setting('max_connections')::int")
            (maximum,) = cursor.fetchone()
        connections = GaugeMetricFamily("fastlead_db_connections",
                                        "Connections to the application's database by state", labels=["state"])
        for state, count in by_state:
            connections.add_metric([state], count)
        yield connections
        yield GaugeMetricFamily("fastlead_db_max_connections", "PostgreSQL's max_connections", value=maximum)


class CacheStats:
    """The cache Redis's own counters (INFO stats; server-wide, so the broker's reads count if it shares it)."""

    def collect(self) -> Iterator[Metric]:
        stats = get_redis_connection("default").info("stats")
        yield CounterMetricFamily("fastlead_cache_hits", "Cache Redis lookups that found their key",
                                  value=stats["keyspace_hits"])
        yield CounterMetricFamily("fastlead_cache_misses", "Cache Redis lookups that missed",
                                  value=stats["keyspace_misses"])
        yield CounterMetricFamily("fastlead_cache_evicted_keys", "Keys Redis evicted for lack of memory",
                                  value=stats["evicted_keys"])


def celery_queues() -> list[str]:
    """The default queue and any other the settings declare."""
    declared = getattr(settings, "CELERY_TASK_QUEUES", None) or []
    names = [settings.CELERY_TASK_DEFAULT_QUEUE, *(getattr(queue, "name", queue) for queue in declared)]
    return list(dict.fromkeys(names))


class CeleryQueues:
    """Messages waiting in each queue of the broker (LLEN; taken but unacknowledged ones are not counted)."""

    def collect(self) -> Iterator[Metric]:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2)
        queues = celery_queues()
        try:
            pipeline = client.pipeline(transaction=False)
            for queue in queues:
                for key in (queue, *(f"{queue}{_PRIORITY_SEPARATOR}{step}" for step in _PRIORITY_STEPS)):
                    pipeline.llen(key)
            lengths = pipeline.execute()
        finally:
            client.close()
        depth = GaugeMetricFamily("fastlead_celery_queue_length", "Messages waiting in the Celery queue",
                                  labels=["queue"])
        per_queue = 1 + len(_PRIORITY_STEPS)
        for index, queue in enumerate(queues):
            depth.add_metric([queue], sum(lengths[index * per_queue:(index + 1) * per_queue]))
        yield depth


class OutboxLag:
    """The transactional outbox: messages not yet done, how long the oldest due one has waited, the given-up."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        pending = OutboxMessage.objects.filter(done_at__isnull=True, failed_at__isnull=True).aggregate(
            count=Count("pk"), oldest_due=Min("available_at", filter=Q(available_at__lte=now)))
        failed = OutboxMessage.objects.filter(failed_at__isnull=False).count()
        oldest = pending["oldest_due"]
        yield GaugeMetricFamily("fastlead_outbox_pending", "Outbox messages not yet done (due or waiting to retry)",
                                value=pending["count"])
        yield GaugeMetricFamily("fastlead_outbox_oldest_pending_age_seconds",
                                "How long the oldest due outbox message has waited (0: none due)",
                                value=(now - oldest).total_seconds() if oldest else 0)
        yield GaugeMetricFamily("fastlead_outbox_failed", "Outbox messages given up after their last attempt",
                                value=failed)


TECHNICAL: dict[str, Collector] = {"database": DatabaseConnections(), "cache": CacheStats(), "broker": CeleryQueues(),
             "celery_tasks": TaskOutcomes(), "outbox": OutboxLag()}
