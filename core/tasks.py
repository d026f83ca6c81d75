import time

from celery import shared_task
from django.core.cache import caches

from .email import send_email  # noqa: F401  (the worker finds tasks in tasks modules)

HEARTBEAT_KEY = "ops:worker-heartbeat"


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Beat schedules this; /healthz reports how long ago a worker last ran it."""
    caches["platform"].set(HEARTBEAT_KEY, time.time(), timeout=None)
