"""Transactional outbox: a task that must happen survives a broker outage, a worker crash and a lost queue.

``enqueue(handler, *args)`` writes an ``OutboxMessage`` in the caller's transaction. After the commit it is
relayed to Celery at once when the broker answers; otherwise the relay process (``manage.py relay_outbox``)
keeps retrying. A worker runs the handler inside a transaction that holds the message's row lock and marks it
done in the same commit, so a redelivered message (late acknowledgement, a requeue after a killed worker, a
republished message) runs the handler at most once to completion. A handler that fails goes back to the
outbox with a growing delay, and after ``MAX_ATTEMPTS`` it is marked failed and logged. A handler that raises
:class:`RetryLater` keeps what it wrote and runs again after the delay it asked for; that is its own decision, not
a failure, so it does not count towards ``MAX_ATTEMPTS`` (the handler bounds its own retries).
"""

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .context import request_id_var
from .models import OutboxMessage

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

MAX_ATTEMPTS = 10
RETRY_DELAY_CAP = timedelta(hours=1)

_handlers: dict[str, Callable[..., Any]] = {}


class RetryLater(Exception):
    """Raised by a handler: commit what it wrote so far and run the message again in ``seconds``."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason)
        self.seconds = max(0.0, seconds)
        self.reason = reason


def handler(function: Callable[P, R]) -> Callable[P, R]:
    """Register a function the outbox may run; its dotted path is the name stored with each message."""
    _handlers[_name_of(function)] = function
    return function


def _name_of(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def enqueue(function: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> OutboxMessage:
    """Write the message in the current transaction (JSON arguments only); it runs in the current schema."""
    name = _name_of(function)
    if _handlers.get(name) is not function:
        raise LookupError(f"{name} is not registered with @outbox.handler")
    now = timezone.now()
    message = OutboxMessage.objects.create(
        handler=name, args=list(args), kwargs=kwargs,
        schema_name=cast("DatabaseWrapper", connection).schema_name,
        request_id=request_id_var.get() or "", created_at=now, available_at=now,
    )
    transaction.on_commit(lambda: relay(ids=[message.pk]))
    return message


def relay(*, ids: Iterable[int] | None = None, limit: int = 100) -> int:
    """Publish due messages to the broker; returns how many went. A broker outage leaves them for the next run.

    Due: never published, or published so long ago without being done that the queued copy is presumed lost
    (a broker restarted without persistence, a worker killed after taking it).
    """
    now = timezone.now()
    redeliver_before = now - timedelta(seconds=settings.OUTBOX_REDELIVER_SECONDS)
    published = 0
    try:
        with transaction.atomic():
            due = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(done_at__isnull=True, failed_at__isnull=True, available_at__lte=now)
                .filter(Q(published_at__isnull=True) | Q(published_at__lt=redeliver_before))
            )
            if ids is not None:
                due = due.filter(pk__in=list(ids))
            for message in due.order_by("available_at")[:limit]:
                headers = {"_schema_name": message.schema_name}
                if message.request_id:
                    headers["x_request_id"] = message.request_id
                try:
                    deliver.apply_async((message.pk,), headers=headers, retry=False)
                except Exception as error:  # the broker is down: nothing else will go either
                    logger.warning("outbox: broker unavailable, %s message(s) wait (%s)",
                                   "the" if ids is not None else "due", type(error).__name__)
                    break
                # Unless a delivery that ran in between (eagerly, in tests) already sent it back for a retry.
                OutboxMessage.objects.filter(pk=message.pk, attempts=message.attempts,
                                             available_at=message.available_at).update(published_at=now)
                published += 1
    except Exception:
        # Called after a commit too: whatever goes wrong here must not fail the request that wrote the message.
        logger.exception("outbox: relay failed")
    return published


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def deliver(message_id: int) -> None:
    """Run one message's handler (in the message's schema, set by tenant-schemas-celery) and mark it done."""
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update()
                .filter(pk=message_id, done_at__isnull=True, failed_at__isnull=True)
                .first()
            )
            if message is None:
                return  # done by an earlier delivery
            try:
                _handlers[message.handler](*message.args, **message.kwargs)
            except RetryLater as later:
                OutboxMessage.objects.filter(pk=message.pk).update(
                    available_at=timezone.now() + timedelta(seconds=later.seconds), published_at=None,
                    last_error=later.reason[:300])
                return
            # The arguments may carry one-time links: not kept once the work is done.
            OutboxMessage.objects.filter(pk=message.pk).update(done_at=timezone.now(), args=[], kwargs={})
    except Exception as error:
        _schedule_retry(message_id, error)


def _schedule_retry(message_id: int, error: Exception) -> None:
    now = timezone.now()
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        return
    attempts = message.attempts + 1
    update: dict[str, Any] = {"attempts": attempts, "last_error": f"{type(error).__name__}"[:300], "published_at": None}
    if attempts >= MAX_ATTEMPTS:
        update["failed_at"] = now
        logger.error("outbox: %s #%s failed %s times, given up", message.handler, message_id, attempts,
                     exc_info=error)
    else:
        update["available_at"] = now + min(timedelta(seconds=5 * 2**attempts), RETRY_DELAY_CAP)
        logger.warning("outbox: %s #%s failed (attempt %s), will retry", message.handler, message_id, attempts,
                       exc_info=error)
    OutboxMessage.objects.filter(pk=message_id).update(**update)


def purge_done(older_than: timedelta = timedelta(days=7)) -> int:
    deleted, _ = OutboxMessage.objects.filter(done_at__lt=timezone.now() - older_than).delete()
    return deleted
