"""Celery's task outcomes, counted where the tasks run and read at each scrape.

Worker processes are not scraped: each outcome increments a per-task field of a Redis hash in the cache Redis
(monotonic, so Prometheus reads it as a counter), and ``/metrics`` reads the hashes back. The worker's
heartbeat (core.tasks) tells how long ago any worker last ran a task.
"""

import logging
import time
from collections.abc import Iterator

from celery.signals import task_failure, task_retry, task_success
from django.conf import settings
from django.core.cache import caches
from django_redis import get_redis_connection
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from ..cache import REDIS_UNAVAILABLE
from ..tasks import HEARTBEAT_KEY

logger = logging.getLogger(__name__)

OUTCOMES = {"failures": "Tasks that raised", "retries": "Tasks that asked to be retried",
            "successes": "Tasks that finished"}


def _key(outcome: str) -> str:
    return f"{settings.CACHE_KEY_PREFIX}:metrics:celery_task_{outcome}"


def _count(outcome: str, sender: object) -> None:
    name = getattr(sender, "name", None) or "unknown"
    try:
        get_redis_connection("platform").hincrby(_key(outcome), name, 1)
    except REDIS_UNAVAILABLE:  # a lost count, never a failed task
        logger.warning("task_outcome_not_counted", extra={"task": name, "outcome": outcome})


@task_failure.connect
def count_failure(sender: object = None, **kwargs: object) -> None:
    _count("failures", sender)


@task_retry.connect
def count_retry(sender: object = None, **kwargs: object) -> None:
    _count("retries", sender)


@task_success.connect
def count_success(sender: object = None, **kwargs: object) -> None:
    _count("successes", sender)


class TaskOutcomes:
    def collect(self) -> Iterator[Metric]:
        client = get_redis_connection("platform")
        pipeline = client.pipeline(transaction=False)
        for outcome in OUTCOMES:
            pipeline.hgetall(_key(outcome))
        for (outcome, help_text), counts in zip(OUTCOMES.items(), pipeline.execute(), strict=True):
            family = CounterMetricFamily(f"fastlead_celery_task_{outcome}", help_text, labels=["task"])
            for task, count in sorted(counts.items()):
                family.add_metric([task.decode()], int(count))
            yield family
        last_beat = caches["platform"].get(HEARTBEAT_KEY)
        if last_beat is not None:
            yield GaugeMetricFamily("fastlead_celery_worker_last_seen_seconds",
                                    "Seconds since a worker last ran the heartbeat task (beat sends it every 30 s)",
                                    value=time.time() - last_beat)
