"""Widget configuration API: getWidgetConfig, updateWidgetConfig, getWidgetSnippet."""

from datetime import datetime

from ninja import Field, Router, Schema

from core.api_errors import ErrorOut
from core.api_schema import Url
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm

from .selectors import widget_out
from .services import WidgetDraft, get_widget, update_widget
from .snippet import snippet_for

router = Router(tags=["widget"], auth=TENANT_AUTH)


class Appearance(Schema):
    primary_color: str = Field(alias="primaryColor", max_length=7)
    theme: str = Field(max_length=8)
    position: str = Field(max_length=8)
    button_label: str = Field(alias="buttonLabel", max_length=200)
    logo_url: str | None = Field(None, alias="logoUrl")
    avatar_url: str | None = Field(None, alias="avatarUrl")


class Texts(Schema):
    title: str = Field("", max_length=500)
    greeting: str = Field(max_length=2000)
    quick_replies: list[str] = Field(alias="quickReplies", max_length=50)
    success_message: str = Field(alias="successMessage", max_length=2000)
    off_hours_message: str = Field(alias="offHoursMessage", max_length=2000)


class Consent(Schema):
    personal_data_text: str = Field(alias="personalDataText", max_length=5000)
    privacy_policy_url: Url = Field(alias="privacyPolicyUrl", max_length=500)
    marketing_enabled: bool = Field(alias="marketingEnabled")
    marketing_text: str = Field("", alias="marketingText", max_length=2000)


class BusinessHours(Schema):
    enabled: bool
    days: dict[str, list[list[str]]]


class WidgetIn(Schema):
    version: int
    appearance: Appearance
    texts: Texts
    channels: list[str] = Field(max_length=10)
    consent: Consent
    site_domains: list[str] = Field(alias="siteDomains", max_length=50)
    business_hours: BusinessHours = Field(alias="businessHours")


class WidgetOut(Schema):
    version: int
    updated_at: datetime = Field(alias="updatedAt")
    updated_by: str | None = Field(None, alias="updatedBy")
    appearance: dict
    texts: dict
    channels: list[str]
    consent: dict
    site_domains: list[str] = Field(alias="siteDomains")
    business_hours: dict = Field(alias="businessHours")


class SnippetOut(Schema):
    html: str
    open_hint: str = Field(serialization_alias="openHint")
    script_url: Url = Field(serialization_alias="scriptUrl")
    demo_url: Url = Field(serialization_alias="demoUrl")
    instructions: dict[str, str]


def draft_from(payload: WidgetIn) -> WidgetDraft:
    return WidgetDraft(
        primary_color=payload.appearance.primary_color, theme=payload.appearance.theme,
        position=payload.appearance.position, button_label=payload.appearance.button_label,
        title=payload.texts.title, greeting=payload.texts.greeting, quick_replies=payload.texts.quick_replies,
        success_message=payload.texts.success_message, off_hours_message=payload.texts.off_hours_message,
        channels=payload.channels, consent_text=payload.consent.personal_data_text,
        privacy_policy_url=payload.consent.privacy_policy_url, marketing_enabled=payload.consent.marketing_enabled,
        marketing_text=payload.consent.marketing_text,
        business_hours={"enabled": payload.business_hours.enabled, "days": payload.business_hours.days},
        site_domains=payload.site_domains,
    )


@router.get("/widget", response=WidgetOut, by_alias=True, summary="getWidgetConfig")
@requires(Perm.WIDGET_VIEW)
def get_widget_config(request: WorkspaceRequest):
    return widget_out(get_widget(), request.tenant.site_domains)


@router.put("/widget", response={200: WidgetOut, 409: ErrorOut}, by_alias=True, summary="updateWidgetConfig")
@requires(Perm.WIDGET_EDIT)
def put_widget_config(request: WorkspaceRequest, payload: WidgetIn):
    widget = update_widget(request.tenant, request.user, draft_from(payload), payload.version)
    return widget_out(widget, request.tenant.site_domains)


@router.get("/widget/snippet", response=SnippetOut, by_alias=True, summary="getWidgetSnippet")
@requires(Perm.WIDGET_VIEW)
def get_snippet(request: WorkspaceRequest):
    return snippet_for(request.tenant)
