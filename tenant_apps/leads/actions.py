"""A member's actions on a lead, one shape for the API (``POST /leads/{id}/actions``) and the cabinet's card: the
body is picked by its ``type`` (status, assign, escalate, lost, note, reply), checked here with Russian messages
named by the body's own field names, and carried out by :mod:`.services` (each action is one timeline event by the
member, under the lead's row lock).

Replies go through the channels, a feature app above this one: it registers its handler with
:func:`set_reply_handler` from its ``AppConfig.ready``; without one a reply is refused with 503.
"""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import TypeAdapter, ValidationError

from core.api_errors import validation_fields
from core.errors import DomainError, InvalidInput, NotFound
from shared_apps.accounts.models import User
from shared_apps.tenancy.models import Tenant

from . import services
from .models import Lead

NOT_A_MEMBER = "Нет такого сотрудника в рабочем пространстве."
LOST_BY_STATUS = "Чтобы закрыть лид как потерянный, выберите причину (действие «lost»)."
REPLY_MAX_CHARS = 4000  # the channels refuse more than their own limit with their own message


class ReplyUnavailable(DomainError):
    status = 503
    code = "reply_unavailable"
    default_message = "Отправка сообщений клиентам сейчас недоступна. Повторите позже."


class StatusAction(Schema):
    """Сменить статус (кроме «Потерян»: для него — действие ``lost`` с причиной)."""

    type: Literal["status"]
    status: Lead.Status
    comment: str = Field("", max_length=services.NOTE_MAX_CHARS)


class AssignAction(Schema):
    """Назначить ответственного — сотрудника этого рабочего пространства; ``null`` — снять."""

    type: Literal["assign"]
    user_id: int | None = Field(..., alias="userId")


class EscalateAction(Schema):
    """Эскалировать: лиду нужно внимание администратора."""

    type: Literal["escalate"]
    comment: str = Field("", max_length=services.NOTE_MAX_CHARS)


class LostAction(Schema):
    """Закрыть как потерянный, с причиной из списка."""

    type: Literal["lost"]
    reason: Lead.LostReason | None = None
    comment: str = Field("", max_length=services.NOTE_MAX_CHARS)


class NoteAction(Schema):
    """Заметка в истории лида."""

    type: Literal["note"]
    text: str = Field(max_length=services.NOTE_MAX_CHARS)


class ReplyAction(Schema):
    """Сообщение клиенту через канал, из которого он писал (или ``channelId``); уходит через очередь, в истории —
    когда канал его примет."""

    type: Literal["reply"]
    text: str = Field(max_length=REPLY_MAX_CHARS)
    channel_id: int | None = Field(None, alias="channelId")


LeadAction = Annotated[StatusAction | AssignAction | EscalateAction | LostAction | NoteAction | ReplyAction,
                       Field(discriminator="type")]
ACTION_TYPES = ("status", "assign", "escalate", "lost", "note", "reply")
_ADAPTER: TypeAdapter[Any] = TypeAdapter(LeadAction)

# (lead, text, author, channel id or None) → queues the message; raises DomainError with the reason otherwise.
ReplyHandler = Callable[[Lead, str, Any, int | None], object]
_reply_handler: ReplyHandler | None = None


def set_reply_handler(handler: ReplyHandler | None) -> None:
    global _reply_handler
    _reply_handler = handler


def parse(data: object) -> Any:
    """The action a request body (or a card's form) describes; InvalidInput with the fields' messages keyed by
    their names in the body (``status``, ``userId``…), the ``type`` when it is missing or unknown."""
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        errors: list[dict[str, Any]] = []
        for error in map(dict[str, Any], exc.errors()):
            if error.get("type") == "union_tag_not_found":
                error.update(type="missing", loc=("type",))
            elif error.get("type") == "union_tag_invalid":
                error.update(type="literal_error", loc=("type",))
            else:
                error["loc"] = tuple(error.get("loc", ()))[1:]  # the first part is the chosen type
            errors.append(error)
        raise InvalidInput(fields=validation_fields(errors)) from None


def request_schema() -> dict:
    """The body's JSON schema for the OpenAPI document, self-contained (the variants inlined)."""
    schema = _ADAPTER.json_schema(by_alias=True)
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(dict(definitions[node["$ref"].rsplit("/", 1)[-1]]))
            return {key: inline(value) for key, value in node.items() if key != "mapping"}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return inline(schema)


def perform(tenant: Tenant, lead_id: int, actor: User, action: Any) -> None:
    """Carry out a parsed action as ``actor``; NotFound for a lead of nobody, InvalidInput for a refusal."""
    if not Lead.objects.filter(pk=lead_id).exists():
        raise NotFound(services.NOT_FOUND)
    if isinstance(action, StatusAction):
        if action.status == Lead.Status.LOST:
            raise InvalidInput(LOST_BY_STATUS, fields={"status": LOST_BY_STATUS})
        services.change_status(lead_id, action.status, actor, comment=action.comment)
    elif isinstance(action, AssignAction):
        user = None
        if action.user_id is not None:
            membership = tenant.memberships.select_related("user").filter(user_id=action.user_id).first()
            if membership is None:
                raise InvalidInput(NOT_A_MEMBER, fields={"userId": NOT_A_MEMBER})
            user = membership.user
        services.assign(lead_id, user, actor)
    elif isinstance(action, EscalateAction):
        services.escalate(lead_id, actor, action.comment)
    elif isinstance(action, LostAction):
        services.change_status(lead_id, Lead.Status.LOST, actor, lost_reason=action.reason or "",
                               comment=action.comment)
    elif isinstance(action, NoteAction):
        services.add_note(lead_id, action.text, actor)
    elif isinstance(action, ReplyAction):
        if _reply_handler is None:
            raise ReplyUnavailable()
        _reply_handler(Lead.objects.get(pk=lead_id), action.text, actor, action.channel_id)
    else:  # pragma: no cover - parse() only makes the types above
        raise InvalidInput(fields={"type": "Недопустимое значение."})
