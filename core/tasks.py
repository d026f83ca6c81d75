import time

from celery import shared_task
from django.core.cache import caches

# The worker imports tasks modules: the outbox's delivery task and the handlers it may run.
from .email import send_email  # noqa: F401
from .outbox import deliver  # noqa: F401

HEARTBEAT_KEY = "ops:worker-heartbeat"


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Beat schedules this; /healthz reports how long ago a worker last ran it."""
    caches["platform"].set(HEARTBEAT_KEY, time.time(), timeout=None)
