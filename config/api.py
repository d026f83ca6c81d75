from ninja.renderers import JSONRenderer

from billing.api import router as billing_public_router
from billing.api import tenant_router as billing_router
from core.access import open_when_unpaid
from core.api_schema import EnvelopeAPI
from shared_apps.accounts.api import router as tokens_router
from shared_apps.onboarding.api import router as onboarding_router
from shared_apps.onboarding.wizard_api import router as wizard_router
from shared_apps.tenancy.api import tenant_router as current_tenant_router
from shared_apps.tenancy.audit_api import router as audit_router
from shared_apps.tenancy.auth_api import router as login_router
from tenant_apps.analytics.api import router as analytics_router
from tenant_apps.channels.api import router as channels_router
from tenant_apps.channels.calendar_api import router as calendar_router
from tenant_apps.leads.api import router as leads_router
from tenant_apps.leads.views_api import router as saved_views_router
from tenant_apps.team.api import router as team_router
from tenant_apps.widgets.api import router as widget_router
from tenant_apps.widgets.upload_api import router as widget_upload_router


class RussianJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


def _build(title: str, namespace: str, *, workspace: bool) -> EnvelopeAPI:
    return EnvelopeAPI(title=title, version="1", urls_namespace=namespace, docs_url="/docs",
                       renderer=RussianJSONRenderer(), docs_decorator=open_when_unpaid, refused_when_unpaid=workspace)


public_api = _build("Fast Lead — публичный API", "public_api", workspace=False)
public_api.add_router("/", onboarding_router)
public_api.add_router("/", login_router)
public_api.add_router("/", tokens_router)
public_api.add_router("/", billing_public_router)

tenant_api = _build("Fast Lead — API рабочего пространства", "tenant_api", workspace=True)
tenant_api.add_router("/", current_tenant_router)
tenant_api.add_router("/", saved_views_router)  # before leads: «/leads/{lead_id}» would take «views»
tenant_api.add_router("/", leads_router)
tenant_api.add_router("/", widget_router)
tenant_api.add_router("/", widget_upload_router)
tenant_api.add_router("/", team_router)
tenant_api.add_router("/", channels_router)
tenant_api.add_router("/", calendar_router)
tenant_api.add_router("/", billing_router)
tenant_api.add_router("/", analytics_router)
tenant_api.add_router("/", wizard_router)
tenant_api.add_router("/", audit_router)
