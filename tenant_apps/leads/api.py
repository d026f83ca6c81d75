import json
from datetime import date, datetime
from typing import Annotated, Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import BeforeValidator

from billing import entitlements
from core import outbox
from core.api_schema import LeadEmail, LeadPageUrl, LeadPhone
from core.errors import InvalidInput, NotFound
from core.net import client_ip
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.masking import mask_contacts_in, mask_email, mask_ip, mask_phone
from shared_apps.tenancy.models import Tenant
from shared_apps.tenancy.permissions import Perm, has_permission

from . import actions, exports, privacy
from .models import Channel, ExportJob, Lead, LeadEvent
from .selectors import DEFAULT_SORT, UNASSIGNED, LeadFilters, consent_of, lead_detail, lead_list, lead_page
from .services import NOT_FOUND
from .tasks import start_export

router = Router(tags=["leads"], auth=TENANT_AUTH)



def _sees_contacts(request: HttpRequest) -> bool:
    return has_permission(getattr(request, "membership", None), Perm.CONTACTS_UNMASKED)


class LeadOut(Schema):
    id: int
    name: str
    phone: LeadPhone
    email: LeadEmail
    channel: str
    status: str
    page_url: LeadPageUrl = Field(serialization_alias="pageUrl")
    created_at: datetime = Field(serialization_alias="createdAt")

    @staticmethod
    def resolve_phone(obj: Lead, context: dict) -> str:
        return obj.phone if _sees_contacts(context["request"]) else mask_phone(obj.phone)

    @staticmethod
    def resolve_email(obj: Lead, context: dict) -> str:
        return obj.email if _sees_contacts(context["request"]) else mask_email(obj.email)


class ActorOut(Schema):
    """Сотрудник: id пользователя и имя («Имя Фамилия», без имени — e-mail)."""

    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.get_full_name()


class LeadEventOut(Schema):
    kind: LeadEvent.Kind
    text: str
    channel: str
    created_at: datetime = Field(serialization_alias="createdAt")
    actor: ActorOut | None = Field(description="Кто это сделал; null — сам сервис (заявка, автосообщение, вебхук).")

    @staticmethod
    def resolve_text(obj: LeadEvent, context: dict) -> str:
        """The lead's own phone and e-mail in a message's text are masked for an analyst as in its fields."""
        if _sees_contacts(context["request"]):
            return obj.text
        return mask_contacts_in(obj.text, obj.lead.phone, obj.lead.email)


class UtmOut(Schema):
    source: str
    medium: str
    campaign: str
    term: str
    content: str


class LeadConsentOut(Schema):
    """Согласие на обработку персональных данных (152-ФЗ): что посетитель принял, когда и откуда."""

    version: str
    text: str
    privacy_policy_url: str = Field(serialization_alias="privacyPolicyUrl")
    personal_data: bool = Field(serialization_alias="personalData")
    marketing: bool
    given_at: datetime = Field(serialization_alias="givenAt")
    ip: str = Field(description="IP-адрес посетителя (у аналитика — без последнего октета: 203.0.113.*); пусто, "
                                "если неизвестен.")
    user_agent: str = Field(serialization_alias="userAgent")
    page: LeadPageUrl


class LeadDetailOut(LeadOut):
    """Лид целиком, для карточки: контакты (у аналитика — маски), статус с причиной потери, ответственный,
    ключевые моменты, источник, согласие и вся история."""

    lost_reason: Lead.LostReason | None = Field(serialization_alias="lostReason",
                                                description="Причина потери; null, если лид не потерян.")
    assigned_to: ActorOut | None = Field(serialization_alias="assignedTo")
    escalated_at: datetime | None = Field(serialization_alias="escalatedAt")
    first_contact_at: datetime | None = Field(serialization_alias="firstContactAt")
    booked_at: datetime | None = Field(serialization_alias="bookedAt", description="Начало встречи (Cal.com).")
    timezone: str = Field(description="Часовой пояс посетителя (IANA); пусто, если неизвестен.")
    erased_at: datetime | None = Field(
        serialization_alias="erasedAt", description="Когда удалены персональные данные лида (152-ФЗ); null — нет.")
    preferred_channel: str = Field(serialization_alias="preferredChannel")
    utm: UtmOut
    consent: LeadConsentOut | None
    events: list[LeadEventOut] = Field(description="Вся история лида, от старых событий к новым.")

    @staticmethod
    def resolve_lost_reason(obj: Lead) -> str | None:
        return obj.lost_reason or None

    @staticmethod
    def resolve_utm(obj: Lead) -> dict:
        return {key: getattr(obj, f"utm_{key}") for key in ("source", "medium", "campaign", "term", "content")}

    @staticmethod
    def resolve_consent(obj: Lead, context: dict) -> dict | None:
        consent = consent_of(obj)
        if consent is None:
            return None
        ip = consent.ip or ""
        return {"version": consent.consent_version, "text": consent.consent_text,
                "privacy_policy_url": consent.privacy_policy_url, "personal_data": consent.personal_data,
                "marketing": consent.marketing, "given_at": consent.given_at,
                "ip": ip if _sees_contacts(context["request"]) else mask_ip(ip),
                "user_agent": consent.user_agent, "page": consent.page_url}


class LeadPage(Schema):
    items: list[LeadOut]
    next_cursor: str | None = Field(serialization_alias="nextCursor")
    total: int


def _blank_is_all(value: object) -> object:
    """``?status=&channel=`` is what a filter form sends for «Все»: no filter, not a bad value."""
    return None if value == "" else value


Blank = BeforeValidator(_blank_is_all)
NOT_A_MEMBER = "Нет такого сотрудника в рабочем пространстве."


class LeadFilterQuery(Schema):
    """The list's filters, shared by the list, the export and the cabinet's page."""

    status: Annotated[Lead.Status | None, Blank] = None
    channel: Annotated[Channel | None, Blank] = None
    date_from: Annotated[date | None, Blank] = Field(None, alias="from")
    date_to: Annotated[date | None, Blank] = Field(None, alias="to")
    assigned: Annotated[str | None, Blank] = Field(None, pattern=rf"^(\d{{1,18}}|{UNASSIGNED})$")
    source_page: Annotated[str | None, Blank] = Field(None, max_length=2000, alias="sourcePage")
    utm_source: Annotated[str | None, Blank] = Field(None, max_length=200, alias="utmSource")
    utm_medium: Annotated[str | None, Blank] = Field(None, max_length=200, alias="utmMedium")
    utm_campaign: Annotated[str | None, Blank] = Field(None, max_length=200, alias="utmCampaign")
    q: Annotated[str | None, Blank] = Field(None, max_length=200)
    contacted: Annotated[bool | None, Blank] = Field(None, description="Только лиды, с которыми связались")
    sort: Annotated[Literal["-createdAt", "createdAt", "name", "-name", "status"] | None, Blank] = None

    def filters(self, tenant: Tenant) -> LeadFilters:
        """Raises InvalidInput for what one field alone cannot tell: a range backwards, a stranger as operator."""
        assigned: int | str | None = self.assigned
        if self.assigned and self.assigned != UNASSIGNED:
            assigned = int(self.assigned)
            if not tenant.memberships.filter(user_id=assigned).exists():
                raise InvalidInput(NOT_A_MEMBER, fields={"assigned": NOT_A_MEMBER})
        return LeadFilters(
            status=self.status, channel=self.channel, date_from=self.date_from, date_to=self.date_to,
            time_zone=tenant.timezone, assigned=assigned, page=self.source_page, utm_source=self.utm_source,
            utm_medium=self.utm_medium, utm_campaign=self.utm_campaign, search=(self.q or "").strip() or None,
            contacted=bool(self.contacted),
            sort=self.sort or DEFAULT_SORT,
        )


class LeadQuery(LeadFilterQuery):
    cursor: Annotated[str | None, Blank] = Field(None, max_length=500)
    limit: int = Field(25, ge=1, le=100)


EXPORT_DOCS = {"responses": {200: {
    "description": "Лиды файлом: CSV (UTF-8 с BOM, разделитель «;») или Excel (XLSX). Больше порога строк — 202: "
                   "выгрузка формируется в фоне, ссылка на файл придёт на почту.",
    "content": {"text/csv": {"schema": {"type": "string"}},
                exports.CONTENT_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}}}}}}


class ExportQuery(LeadFilterQuery):
    format: Literal["csv", "xlsx"] = "csv"


class ExportAcceptedOut(Schema):
    job_id: int = Field(serialization_alias="jobId")
    status: str
    status_url: str = Field(serialization_alias="statusUrl")


class ExportJobOut(Schema):
    job_id: int = Field(serialization_alias="jobId")
    format: str
    status: str
    total: int
    done: int
    progress: int  # per cent
    error: str
    download_url: str | None = Field(serialization_alias="downloadUrl")
    expires_at: datetime | None = Field(serialization_alias="expiresAt")


def _job_out(request: WorkspaceRequest, job: ExportJob) -> dict:
    """The link only for the member who asked for the export, while it works."""
    mine = job.user_id == request.user.pk
    ready = job.status == ExportJob.Status.DONE and bool(job.file) and not exports.is_expired(job)
    return {"job_id": job.pk, "format": job.format, "status": job.status, "total": job.total, "done": job.done,
            "progress": exports.progress_percent(job), "error": job.error, "expires_at": job.expires_at,
            "download_url": f"/leads/exports/{job.token}" if mine and ready else None}


@router.get("/leads", response=LeadPage, by_alias=True, summary="getLeads")
@requires(Perm.LEADS_VIEW)
def get_leads(request: WorkspaceRequest, query: Query[LeadQuery]):
    filters = query.filters(request.tenant)
    page = lead_page(filters, cursor=query.cursor, limit=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor, "total": lead_list(filters).count()}


@router.get("/leads/export", response={202: ExportAcceptedOut}, by_alias=True, summary="exportLeads",
            openapi_extra=EXPORT_DOCS)
@requires(Perm.LEADS_EXPORT)
def export_leads(request: WorkspaceRequest, query: Query[ExportQuery]):
    """What the list shows, streamed; above ``LEAD_EXPORT_ASYNC_ROWS`` rows a worker builds it (202 and a job)."""
    entitlements.check_feature(request.tenant.client_account, entitlements.Feature.EXPORT)
    filters = query.filters(request.tenant)
    leads = lead_list(filters)
    unmasked = _sees_contacts(request)
    total = leads.count()
    if total > settings.LEAD_EXPORT_ASYNC_ROWS:
        with transaction.atomic():
            job = exports.create_job(request.user, query.format, filters, unmasked=unmasked, total=total)
            exports.audit_requested(request.user, request.tenant, query.format, filters, total=total,
                                    unmasked=unmasked, background=True)
            outbox.enqueue(start_export, job.pk)
        return Status(202, {"job_id": job.pk, "status": job.status, "status_url": f"/api/v1/leads/exports/{job.pk}"})
    exports.audit_requested(request.user, request.tenant, query.format, filters, total=total, unmasked=unmasked,
                            background=False)
    time_zone = request.tenant.timezone
    write = exports.xlsx_chunks if query.format == "xlsx" else exports.csv_lines
    response = StreamingHttpResponse(write(leads, unmasked=unmasked, time_zone=time_zone),
                                     content_type=exports.CONTENT_TYPES[query.format])
    response["Content-Disposition"] = f'attachment; filename="{exports.file_name(request.tenant.slug, query.format)}"'
    return response


@router.get("/leads/exports/{job_id}", response=ExportJobOut, by_alias=True, summary="getLeadsExport")
@requires(Perm.LEADS_EXPORT)
def get_export(request: WorkspaceRequest, job_id: int):
    """A large export's progress; the member who asked for it also gets the download link once it is ready."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound("Выгрузка не найдена.")
    return _job_out(request, job)


def _lead_or_404(lead_id: int) -> Lead:
    lead = lead_detail(lead_id)
    if lead is None:
        raise NotFound(NOT_FOUND)
    return lead


@router.get("/leads/{lead_id}", response=LeadDetailOut, by_alias=True, summary="getLead")
@requires(Perm.LEADS_VIEW)
def get_lead(request: WorkspaceRequest, lead_id: int):
    """Лид целиком: контакты, статус, ответственный, источник и UTM, согласие, вся история с сотрудниками.
    Аналитик видит маски телефона, e-mail и IP-адреса согласия."""
    return _lead_or_404(lead_id)


ACTION_DOCS = {"requestBody": {"required": True, "content": {"application/json": {"schema": actions.request_schema()}}}}


@router.post("/leads/{lead_id}/actions", response={200: LeadDetailOut}, by_alias=True, summary="actOnLead",
             openapi_extra=ACTION_DOCS)
@requires(Perm.LEADS_ACT)
def act_on_lead(request: WorkspaceRequest, lead_id: int):
    """Действие сотрудника с лидом, по полю ``type``: ``status`` — сменить статус, ``assign`` — назначить
    ответственного (``userId`` сотрудника этого пространства или ``null``), ``escalate`` — эскалировать,
    ``lost`` — закрыть как потерянный (``reason`` из списка), ``note`` — заметка, ``reply`` — сообщение клиенту
    (в истории — когда канал его примет). Каждое действие — событие в истории с автором и временем; два действия
    одновременно выполняются по очереди. Ответ 200 — лид целиком после действия (как getLead)."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(fields={"__all__": "Тело запроса — не JSON."}) from None
    actions.perform(request.tenant, lead_id, request.user, actions.parse(body))
    return _lead_or_404(lead_id)


PERSONAL_DATA_DOCS = {"responses": {200: {
    "description": "Всё, что хранится о лиде (152-ФЗ), файлом JSON: поля лида, согласие, история с сотрудниками, "
                   "переписка и записи из каналов.",
    "content": {"application/json": {"schema": {"type": "object"}}}}}}
CONFIRM_ERASE = "Подтвердите удаление: передайте {\"confirm\": true}. Удалённые данные не восстановить."


class ErasedOut(Schema):
    lead_id: int = Field(serialization_alias="leadId")
    erased_at: datetime = Field(serialization_alias="erasedAt")
    already_erased: bool = Field(serialization_alias="alreadyErased",
                                 description="true — данные были удалены раньше, запрос ничего не изменил.")
    message: str


@router.get("/leads/{lead_id}/personal-data", by_alias=True, summary="exportLeadPersonalData",
            openapi_extra=PERSONAL_DATA_DOCS)
@requires(Perm.LEADS_PERSONAL_DATA)
def export_personal_data(request: WorkspaceRequest, lead_id: int):
    """Выгрузка по запросу субъекта персональных данных (152-ФЗ): всё о лиде одним файлом JSON. Только для
    администратора; выгрузка записывается в журнал действий."""
    data = privacy.export_personal_data(lead_id, actor=request.user, workspace=request.tenant,
                                        ip=client_ip(request))
    return privacy.export_response(lead_id, data)


@router.post("/leads/{lead_id}/erase", response=ErasedOut, by_alias=True, summary="eraseLeadPersonalData",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                 "type": "object", "required": ["confirm"], "properties": {"confirm": {"const": True}}}}}}})
@requires(Perm.LEADS_PERSONAL_DATA)
def erase_personal_data(request: WorkspaceRequest, lead_id: int):
    """Удаление персональных данных лида по запросу субъекта (152-ФЗ): имя, контакты, тексты сообщений и заметок,
    IP-адрес и браузер из согласия, переписка в каналах. Остаются статус, канал, время событий, версия и текст
    согласия — статистика не меняется. Тело ``{"confirm": true}`` обязательно; повторный запрос ничего не меняет.
    Только для администратора; удаление записывается в журнал действий."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or body.get("confirm") is not True:
        raise InvalidInput(CONFIRM_ERASE, code="confirmation_required")
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(NOT_FOUND)
    erased = privacy.erase(lead, actor=request.user, workspace=request.tenant, ip=client_ip(request))
    lead.refresh_from_db(fields=["erased_at"])
    return {"lead_id": lead.pk, "erased_at": lead.erased_at, "already_erased": not erased,
            "message": privacy.erase_outcome(erased, lead, request.tenant.timezone)}
