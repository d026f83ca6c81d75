"""The correlation id of the work in progress (a request or a Celery task)."""

import re
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# The address the request in progress came from (core.net.client_ip), for the audit log; None outside a request.
client_ip_var: ContextVar[str | None] = ContextVar("client_ip", default=None)

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def accept_or_new_request_id(candidate: str | None) -> str:
    """Keep a caller's id when it is a sane token; otherwise mint one."""
    if candidate and _VALID_REQUEST_ID.match(candidate):
        return candidate
    return uuid.uuid4().hex
