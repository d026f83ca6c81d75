"""The one error envelope of every API: ``{"error": {"code", "message", "fields"}}``."""

import json
import logging

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .database import is_timeout
from .errors import DomainError, ServiceBusy
from .validation import too_long_message

logger = logging.getLogger(__name__)

STATUS_DEFAULTS = {
    400: ("bad_request", _("Bad request.")),
    401: ("unauthorized", _("Authentication required.")),
    402: ("payment_required", _("Payment required.")),
    403: ("forbidden", _("Permission denied.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("Method not allowed.")),
    409: ("conflict", _("The data has changed meanwhile.")),
    413: ("payload_too_large", _("Request too large.")),
    429: ("too_many_requests", _("Too many requests. Try again later.")),
    500: ("internal_error", _("Internal server error. We are looking into it.")),
    503: ("service_unavailable", _("Service temporarily unavailable.")),
}

# Russian messages for Pydantic's error types; anything else gets the generic one.
VALIDATION_MESSAGES = {
    "missing": _("This field is required."),
    "string_type": _("A string is expected."),
    "string_too_short": _("The value is too short."),
    "string_too_long": _("The value is too long."),
    "string_pattern_mismatch": _("Wrong format."),
    "int_parsing": _("A whole number is expected."),
    "int_type": _("A whole number is expected."),
    "float_parsing": _("A number is expected."),
    "bool_parsing": _("true or false is expected."),
    "greater_than_equal": _("The value is too small."),
    "less_than_equal": _("The value is too large."),
    "date_from_datetime_parsing": _("Invalid date, expected YYYY-MM-DD."),
    "date_parsing": _("Invalid date, expected YYYY-MM-DD."),
    "datetime_parsing": _("Invalid date and time."),
    "enum": _("This value is not allowed."),
    "literal_error": _("This value is not allowed."),
    "value_error": _("Invalid value."),
    "json_invalid": _("The request body is not valid JSON."),
    "model_attributes_type": _("A JSON object is expected."),
    "dict_type": _("A JSON object is expected."),
}
GENERIC_FIELD_MESSAGE = _("Invalid value.")
FRAMEWORK_REFUSALS: dict[int, tuple[str, str | Promise]] = {
    400: ("json_invalid", VALIDATION_MESSAGES["json_invalid"]),
    403: ("csrf_failed", "Страница устарела: обновите её и повторите действие."),
}


class ErrorBody(Schema):
    code: str = Field(description="Стабильный код ошибки: validation_error, forbidden, plan_limit, conflict, …")
    message: str = Field(description="Что случилось — по-русски, для человека.")
    fields: dict[str, str] = Field(description="Сообщения к полям запроса: путь поля → текст.")


class ErrorOut(Schema):
    """Ошибка — в одном формате во всех операциях; ответ 409 может добавить состояние, с которым случился конфликт."""

    error: ErrorBody


def error_response(status: int, code: str | None = None, message: str | Promise | None = None,
                   fields: dict | None = None, headers: dict | None = None) -> JsonResponse:
    default_code, default_message = STATUS_DEFAULTS.get(status, ("error", _("Error.")))
    body = {
        "error": {
            "code": code or default_code,
            "message": str(message or default_message),
            "fields": {name: str(text) for name, text in (fields or {}).items()},
        }
    }
    return JsonResponse(body, status=status, headers=headers, json_dumps_params={"ensure_ascii": False})


def validation_fields(errors: list[dict]) -> dict[str, str]:
    """Pydantic errors → ``{"field.path": "Russian message"}``; the first error of a field wins."""
    fields: dict[str, str] = {}
    for error in errors:
        # loc looks like ("body", "payload", "email") or ("query", "page"): drop the source and the param name
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path", "header", "cookie", "form"}:
            loc = loc[1:]
        if len(loc) > 1 and loc[0] == "payload":
            loc = loc[1:]
        key = ".".join(loc) or "__all__"
        limit = (error.get("ctx") or {}).get("max_length")
        if error.get("type") == "string_too_long" and isinstance(limit, int):
            message = too_long_message(limit)  # the same words as the pages: «Не длиннее 254 символов.»
        else:
            message = str(VALIDATION_MESSAGES.get(error.get("type", ""), GENERIC_FIELD_MESSAGE))
        fields.setdefault(key, message)
    return fields


def domain_error_response(exc: DomainError) -> JsonResponse:
    response = error_response(exc.status, exc.code, exc.summary, exc.fields, exc.headers or None)
    if exc.extra:  # e.g. a 409 carries the state the client collided with
        body = {**json.loads(response.content), **exc.extra}
        response = JsonResponse(body, status=exc.status, headers=exc.headers or None,
                                json_dumps_params={"ensure_ascii": False}, encoder=DjangoJSONEncoder)
    return response


def install_error_envelope(api: NinjaAPI) -> None:
    """Route every error ninja raises or catches through the envelope."""

    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> JsonResponse:
        return error_response(400, "validation_error", _("Please check the highlighted fields."),
                              validation_fields(exc.errors))

    @api.exception_handler(AuthenticationError)
    def on_auth(request: HttpRequest, exc: AuthenticationError) -> JsonResponse:
        return error_response(401)

    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> JsonResponse:
        return domain_error_response(exc)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
        """Errors django-ninja raises itself (our code raises DomainErrors), worded in English: a body it cannot
        parse (400) and a failed CSRF check (403)."""
        code, message = FRAMEWORK_REFUSALS.get(exc.status_code, (None, None))
        return error_response(exc.status_code, code, message)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> JsonResponse:
        return error_response(404)

    @api.exception_handler(Exception)
    def on_unhandled(request: HttpRequest, exc: Exception) -> JsonResponse:
        if is_timeout(exc):
            logger.warning("database_timeout", extra={"path": request.path})
            return domain_error_response(ServiceBusy())
        logger.exception("api_unhandled_error", extra={"path": request.path})
        return error_response(500)
