"""``GET /api/v1/audit``: the workspace's journal of actions (sign-ins, team, exports, channels, billing, data) for
its administrators; the cabinet's page (dashboard/audit) reads the same filters through :class:`JournalQuery`."""

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator

from core.validation import MAX_PAGE
from shared_apps.audit import selectors
from shared_apps.audit.actions import label
from shared_apps.audit.display import detail_lines, for_customer
from shared_apps.audit.models import AuditEntry

from .api_auth import TENANT_AUTH, requires
from .http import WorkspaceRequest
from .models import Tenant
from .permissions import Perm

router = Router(tags=["audit"], auth=TENANT_AUTH)
Group = Literal["auth", "team", "exports", "channels", "billing", "data"]
# A filter form's «Все» sends the field empty: no filter, not a bad value.
Blank = BeforeValidator(lambda value: None if value == "" else value)


class JournalQuery(Schema):
    group: Annotated[Group | None, Blank] = Field(None, description="Группа действий; без неё — все")
    date_from: Annotated[date | None, Blank] = Field(None, alias="from", description="ГГГГ-ММ-ДД, включительно, "
                                                                                     "в часовом поясе пространства")
    date_to: Annotated[date | None, Blank] = Field(None, alias="to", description="ГГГГ-ММ-ДД, включительно")

    def entries(self, tenant: Tenant) -> QuerySet[AuditEntry]:
        """The workspace's and its account's entries, newest first; InvalidInput for a period backwards."""
        return selectors.journal(workspace_id=tenant.pk, account_id=tenant.account_id, group=self.group,
                                 date_from=self.date_from, date_to=self.date_to, time_zone=tenant.timezone)


class JournalPageQuery(JournalQuery):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(selectors.PAGE_SIZE, ge=1, le=100, alias="pageSize")


class DetailOut(Schema):
    label: str
    value: str


class EntryOut(Schema):
    id: int
    created_at: datetime = Field(serialization_alias="createdAt", description="В часовом поясе пространства")
    action: str
    action_label: str = Field(serialization_alias="actionLabel")
    actor_id: int | None = Field(serialization_alias="actorId", description="Нет — действие самой платформы или "
                                                                            "сотрудника Fast Lead")
    actor_label: str = Field(serialization_alias="actorLabel")
    staff: bool = Field(description="Действие сотрудника платформы")
    account_wide: bool = Field(serialization_alias="accountWide", description="Касается всего аккаунта (оплата)")
    target: str
    details: dict
    details_text: list[DetailOut] = Field(serialization_alias="detailsText")
    ip: str | None


class JournalOut(Schema):
    items: list[EntryOut]
    total: int
    page: int
    page_size: int = Field(serialization_alias="pageSize")


def entry_out(entry: AuditEntry, zone: ZoneInfo) -> dict:
    return {"id": entry.pk, "created_at": timezone.localtime(entry.created_at, zone), "action": entry.action,
            "action_label": label(entry.action), "staff": entry.is_staff_action,
            "account_wide": entry.workspace_id is None, "target": entry.target, "details": entry.details,
            "details_text": [{"label": name, "value": value} for name, value in detail_lines(entry.details)],
            **for_customer(entry)}


@router.get("/audit", response=JournalOut, by_alias=True, summary="getAuditLog")
@requires(Perm.AUDIT_VIEW)
def get_audit_log(request: WorkspaceRequest, query: Query[JournalPageQuery]):
    """Who did what and when in this workspace, newest first; billing entries are the whole account's."""
    entries = query.entries(request.tenant)
    start = (query.page - 1) * query.page_size
    zone = ZoneInfo(request.tenant.timezone)
    return {"items": [entry_out(entry, zone) for entry in entries[start:start + query.page_size]],
            "total": entries.count(), "page": query.page, "page_size": query.page_size}
