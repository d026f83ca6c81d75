"""The one family of refusals a user reads: every domain error of every app subclasses :class:`DomainError`.

A domain error carries what the answer needs — the HTTP status, a stable ``code``, a Russian ``message``
and per-field messages — so no domain module imports the web framework and no route translates
exceptions by hand: the API renders it as the error envelope (``core.api_errors``) and pages through
:class:`core.middleware.DomainErrorMiddleware`, or show ``message``/``fields`` in their own form.
"""

from collections.abc import Mapping
from typing import Any, ClassVar

from .validation import CHECK_FIELDS


class DomainError(Exception):
    # Each subclass sets its own; an instance may refine them (``code=``, ``status=``).
    status: int = 400
    code: str = "bad_request"
    default_message: ClassVar[str] = "Запрос отклонён."

    def __init__(self, message: str | None = None, *, code: str | None = None, status: int | None = None,
                 fields: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None,
                 extra: Mapping[str, Any] | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.fields: dict[str, str] = dict(fields or {})
        self.headers: dict[str, str] = dict(headers or {})
        self.extra: dict[str, Any] = dict(extra or {})  # added to the envelope's body, e.g. a 409's "current"

    def __str__(self) -> str:
        return self.message

    @property
    def summary(self) -> str:
        """The envelope's top-line message."""
        return self.message


class InvalidInput(DomainError):
    """Bad input: ``fields`` maps each field to a Russian message."""

    status = 400
    code = "validation_error"
    default_message = CHECK_FIELDS

    @property
    def summary(self) -> str:
        """Above per-field messages the envelope says «Проверьте выделенные поля.»; ``message`` may be the
        one field's text, which a page shows on its own."""
        return CHECK_FIELDS if self.fields else self.message


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"
    default_message = "Недостаточно прав."


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = "Не найдено."


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = "Данные изменились, пока вы их редактировали."


class RateLimited(DomainError):
    status = 429
    code = "too_many_requests"
    default_message = "Слишком много запросов. Попробуйте позже."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class ServiceBusy(DomainError):
    """The database did not answer in time (a statement or lock timeout): nothing was changed, try again."""

    status = 503
    code = "service_busy"
    default_message = "Сервис сейчас перегружен, данные не изменены. Повторите через несколько секунд."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": "5"})
