"""Celery processes: their database limits, and the request's correlation id carried into the tasks it enqueues."""

from celery.signals import beat_init, before_task_publish, celeryd_init, task_postrun, task_prerun

from .context import request_id_var
from .database import use_session_timeouts

HEADER = "x_request_id"


@celeryd_init.connect
@beat_init.connect
def use_worker_timeouts(**kwargs) -> None:
    """Before any connection (and before the pool forks): tasks may run longer than a request."""
    use_session_timeouts("worker")


@before_task_publish.connect
def attach_request_id(headers: dict | None = None, **kwargs) -> None:
    if headers is not None and HEADER not in headers:
        request_id = request_id_var.get()
        if request_id:
            headers[HEADER] = request_id


@task_prerun.connect
def restore_request_id(task=None, **kwargs) -> None:
    if task is None:
        return
    # With the Redis transport custom headers may land in request.headers or on the request itself.
    request_id = (task.request.headers or {}).get(HEADER) or task.request.get(HEADER)
    task.request._request_id_token = request_id_var.set(request_id or f"task-{task.request.id}")


@task_postrun.connect
def clear_request_id(task=None, **kwargs) -> None:
    token = getattr(task.request, "_request_id_token", None)
    if token is not None:
        request_id_var.reset(token)
