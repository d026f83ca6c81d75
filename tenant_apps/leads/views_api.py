"""Workspace API of the member's saved views of the leads list (``/leads/views``). Registered before the leads
router: ``/leads/{lead_id}`` would otherwise take «views» for a lead's id."""

from datetime import datetime

from ninja import Field, Router, Schema, Status

from core.api_errors import ErrorOut
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm

from . import saved_views

router = Router(tags=["leads"], auth=TENANT_AUTH)


class SavedViewOut(Schema):
    id: int
    name: str
    query: str = Field(description="Фильтры списка лидов — строка запроса страницы «Лиды», без номера страницы.")
    created_at: datetime = Field(serialization_alias="createdAt")


class SavedViewIn(Schema):
    name: str = Field(description="Название, до 60 символов, своё у каждого сотрудника.")
    query: str = Field("", description="Фильтры — строка запроса страницы «Лиды»; номер страницы отбрасывается.")


@router.get("/leads/views", response=list[SavedViewOut], by_alias=True, summary="getSavedViews")
@requires(Perm.LEADS_VIEW)
def list_views(request: WorkspaceRequest):
    """The calling member's own views, by name."""
    return saved_views.views_of(request.user)


@router.post("/leads/views", response={201: SavedViewOut, 400: ErrorOut}, by_alias=True, summary="saveView")
@requires(Perm.LEADS_VIEW)
def save_view(request: WorkspaceRequest, payload: SavedViewIn):
    return Status(201, saved_views.save_view(request.user, payload.name, payload.query))


@router.delete("/leads/views/{view_id}", response={204: None, 404: ErrorOut}, summary="deleteSavedView")
@requires(Perm.LEADS_VIEW)
def delete_view(request: WorkspaceRequest, view_id: int):
    saved_views.delete_view(request.user, view_id)
    return Status(204, None)
