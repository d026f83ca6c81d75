"""What the OpenAPI schemas promise: every error status an operation can answer, with the envelope, and the format
of contact and link fields.

:class:`EnvelopeAPI` documents the errors by the operation's kind, so a new route is documented as soon as it is
added: every operation can get 400 (the request guard, validation) and 503 (a database timeout); one with auth
401, 403 and 429; one with a path parameter 404; one with a body 413; a workspace operation that is not
``@open_when_unpaid`` 402. A route that answers other statuses declares them, e.g.
``response={200: WidgetOut, 409: ErrorOut}``.
"""

from typing import Annotated, Any

from ninja import Field, NinjaAPI
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation
from ninja.schema import NinjaGenerateJsonSchema

from .access import OPEN_WHEN_UNPAID
from .api_errors import ErrorOut, install_error_envelope

ERROR_DESCRIPTIONS = {
    400: "Некорректный запрос; ошибки по полям — в error.fields.",
    401: "Не удалось удостоверить пользователя: нет токена, он истёк или отозван, либо неверны e-mail и пароль.",
    402: "Подписка не оплачена или платёж не прошёл: рабочее пространство только для чтения или только раздел оплаты.",
    403: "Недостаточно прав: роль, членство в рабочем пространстве, тариф или проверка CSRF.",
    404: "Не найдено.",
    409: "Конфликт с текущим состоянием данных.",
    413: "Слишком большой запрос.",
    429: "Слишком много запросов: повторите через Retry-After секунд.",
    503: "Сервис временно недоступен (база данных не ответила вовремя или недоступен платёжный провайдер).",
}
RETRY_AFTER = {"Retry-After": {"description": "Через сколько секунд повторить запрос.",
                               "schema": {"type": "integer"}}}
BODY_SOURCES = {"body", "form", "file"}

# Fields whose format the schema states (pydantic keeps validating them as plain strings: the services give the
# Russian messages). An analyst sees masked contacts (``a***@mail.ru``, ``+7 9** ***-**-12``); a lead may have none.
Email = Annotated[str, Field(json_schema_extra={"format": "email"})]
Url = Annotated[str, Field(json_schema_extra={"format": "uri"})]
LinkPath = Annotated[str, Field(json_schema_extra={"format": "uri-reference"})]
LeadEmail = Annotated[str, Field(json_schema_extra={"anyOf": [{"format": "email"}, {"maxLength": 0}]},
                                 description="E-mail (у аналитика — маска a***@mail.ru); пусто, если не указан.")]
LeadPageUrl = Annotated[str, Field(json_schema_extra={"anyOf": [{"format": "iri"}, {"maxLength": 0}]},
                                   description="Страница сайта, с которой пришла заявка; пусто, если неизвестна.")]
# E.164 as stored, or the masks of tenancy.masking (+7 9** ***-**-12, +4*********12), or empty.
PHONE_PATTERN = r"^(\+[1-9][0-9]{6,14}|\+7 [0-9]\*\* \*\*\*-\*\*-[0-9]{2}|\+[0-9]\*+[0-9]{2})?$"
LeadPhone = Annotated[str, Field(json_schema_extra={"pattern": PHONE_PATTERN},
                                 description="Телефон в E.164 (+79161234567; у аналитика — маска +7 9** ***-**-12); "
                                             "пусто, если не указан.")]


def error_statuses(operation: Operation, *, refused_when_unpaid: bool) -> set[int]:
    """The error statuses an operation can answer because of its kind (auth, path, body, subscription)."""
    sources = {model.__ninja_param_source__ for model in operation.models}
    statuses = {400, 503}
    if operation.auth_callbacks:
        statuses |= {401, 403, 429}  # no or bad token; membership, role, plan or CSRF; the per-user limit
    if "path" in sources:
        statuses.add(404)
    if sources & BODY_SOURCES or "requestBody" in (operation.openapi_extra or {}):
        statuses.add(413)
    if refused_when_unpaid and not getattr(operation.view_func, OPEN_WHEN_UNPAID, False):
        statuses.add(402)  # the subscription middleware, before the view
    return statuses


def _envelope_definitions() -> dict[str, Any]:
    schema = ErrorOut.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema)
    return {**schema.pop("$defs", {}), ErrorOut.__name__: schema}


class EnvelopeSchema(OpenAPISchema):
    api: "EnvelopeAPI"

    def responses(self, operation: Operation) -> dict[int, Any]:
        result = super().responses(operation)
        declared = {status for status in result if status >= 400}
        envelope = {self.api.renderer.media_type: {"schema": {"$ref": REF_TEMPLATE.format(model=ErrorOut.__name__)}}}
        for status in declared | error_statuses(operation, refused_when_unpaid=self.api.refused_when_unpaid):
            result[status] = {"description": ERROR_DESCRIPTIONS.get(status, ""), "content": envelope}
            if status == 429:
                result[status]["headers"] = RETRY_AFTER
        self.add_schema_definitions(_envelope_definitions())
        return dict(sorted(result.items()))


class EnvelopeAPI(NinjaAPI):
    """A NinjaAPI whose every error is the envelope (core.api_errors) and is documented on every operation.

    ``refused_when_unpaid``: a workspace's API, where the subscription middleware answers 402 to every operation
    not marked ``@open_when_unpaid``.
    """

    def __init__(self, *, refused_when_unpaid: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refused_when_unpaid = refused_when_unpaid
        install_error_envelope(self)

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return EnvelopeSchema(self, path_prefix)
