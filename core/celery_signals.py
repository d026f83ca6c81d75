"""Carry the request's correlation id into the Celery tasks it enqueues."""

from celery.signals import before_task_publish, task_postrun, task_prerun

from .context import request_id_var

HEADER = "x_request_id"


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
